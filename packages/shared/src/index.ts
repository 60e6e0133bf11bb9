export * from './common';
export * from './errors';
export * from './images';
export * from './status';
export * from './transforms';
export * from './urls';
