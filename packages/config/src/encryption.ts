import type { VariantName } from './image-variants';

/** Encryption at rest: access tokens, renditions and the background re-wrap. */
export const ENCRYPTION_LIMITS = {
  /** Access-token lifetimes, in seconds: 1 hour unless asked, at most 7 days. */
  tokenDefaultSeconds: 3600,
  tokenMinSeconds: 60,
  tokenMaxSeconds: 7 * 24 * 3600,
  /** Content keys re-wrapped per queue message during a rotation (each is one D1 write). */
  rewrapBatch: 50,
  /**
   * Encrypted objects up to this size are decrypted whole before the answer starts, so a tampered one is a JSON
   * error; larger ones stream, and a failed segment aborts the response (no unauthenticated byte is sent).
   */
  decryptWholeMaxBytes: 16 * 1024 * 1024,
} as const;

/** The renditions made (and stored encrypted) at ingest for an encrypted image; nothing else is ever rendered. */
export const ENCRYPTED_RENDITIONS: readonly VariantName[] = ['thumb', 'w256', 'w1024'];

/** `crypto_events.event` values. */
export const CRYPTO_EVENTS = [
  'encryption.enabled',
  'encryption.settings_changed',
  'key.rotated',
  'key.rewrapped',
  'key.exported',
  'root_key.rewrapped',
  'token.minted',
  'token.refused',
  'decrypt.failed',
] as const;
export type CryptoEventName = (typeof CRYPTO_EVENTS)[number];
