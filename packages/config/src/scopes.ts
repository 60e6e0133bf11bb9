/** API key scopes. `read` and `write` are shorthands that expand to their members. */
export const API_SCOPES = [
  'images:read',
  'images:write',
  'images:delete',
  'albums:read',
  'albums:write',
  'keys:manage',
  'webhooks:manage',
  'backups:manage',
  'analytics:read',
  'admin',
] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export const SCOPE_SHORTHANDS = {
  read: ['images:read', 'albums:read', 'analytics:read'],
  write: ['images:read', 'images:write', 'images:delete', 'albums:read', 'albums:write', 'analytics:read'],
} as const satisfies Record<string, readonly ApiScope[]>;

export const API_KEY_PREFIX = 'pf_';
/** Bytes of randomness in a key (base64url-encoded after the prefix). */
export const API_KEY_RANDOM_BYTES = 32;
/** Characters kept in clear for display, including the prefix. */
export const API_KEY_DISPLAY_PREFIX_LENGTH = 10;
/** `last_used_at` is written at most this often per key. */
export const API_KEY_LAST_USED_RESOLUTION_SECONDS = 60;

/** Dashboard session cookie (encrypted, HttpOnly, SameSite=Lax; Secure on HTTPS). */
export const SESSION_COOKIE_NAME = 'pf_session';
export const SESSION_TTL_SECONDS = 7 * 24 * 60 * 60;
/** The seeded user `AUTH_MODE=none` acts as when no dev session picks another. */
export const DEV_DEFAULT_USER_SLUG = 'alice';
