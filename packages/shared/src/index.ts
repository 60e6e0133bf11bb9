export * from './albums';
export * from './common';
export * from './errors';
export * from './images';
export * from './status';
export * from './tags';
export * from './transforms';
export * from './urls';
