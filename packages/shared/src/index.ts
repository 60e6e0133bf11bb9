export * from './common';
export * from './errors';
export * from './status';
export * from './transforms';
export * from './urls';
