export * from './bundle';
export * from './bytes';
export * from './keys';
export * from './stream';
export * from './schemas';
export * from './offline';
