export * from './analytics';
export * from './auth';
export * from './backups';
export * from './cache';
export * from './encryption';
export * from './headers';
export * from './image-types';
export * from './image-variants';
export * from './limits';
export * from './rate-limits';
export * from './scopes';
export * from './settings';
export * from './transform-params';
export * from './turnstile';
export * from './vectorize';
export * from './webhooks';

export const APP_NAME = 'Pixelflare';
export const APP_VERSION = '0.1.0';
