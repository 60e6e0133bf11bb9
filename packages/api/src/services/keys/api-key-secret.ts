import {
  API_KEY_DISPLAY_PREFIX_LENGTH,
  API_KEY_PREFIX,
  API_KEY_RANDOM_BYTES,
  API_SCOPES,
  SCOPE_SHORTHANDS,
  type ApiScope,
} from '@pixelflare/config';
import { hmacSha256Hex, toBase64Url } from '../../lib/crypto';

/** `pf_` + 43 base64url characters (32 random bytes). Anything else is refused before touching the database. */
export const API_KEY_PATTERN = new RegExp(
  `^${API_KEY_PREFIX}[A-Za-z0-9_-]{${Math.ceil((API_KEY_RANDOM_BYTES * 4) / 3)}}$`,
);

export function generateApiKey(): { key: string; prefix: string } {
  const key = API_KEY_PREFIX + toBase64Url(crypto.getRandomValues(new Uint8Array(API_KEY_RANDOM_BYTES)));
  return { key, prefix: key.slice(0, API_KEY_DISPLAY_PREFIX_LENGTH) };
}

/** Keys are stored only as HMAC-SHA256 under `API_HASH_SECRET`: a leaked table reveals no usable key. */
export function hashApiKey(secret: string, key: string): Promise<string> {
  return hmacSha256Hex(secret, key);
}

/** Expands `read`/`write` shorthands; `admin` implies every scope. */
export function expandScopes(scopes: readonly string[]): Set<ApiScope> {
  const out = new Set<ApiScope>();
  for (const scope of scopes) {
    if (scope === 'admin') API_SCOPES.forEach((s) => out.add(s));
    else if (scope in SCOPE_SHORTHANDS)
      SCOPE_SHORTHANDS[scope as keyof typeof SCOPE_SHORTHANDS].forEach((s) => out.add(s));
    else if ((API_SCOPES as readonly string[]).includes(scope)) out.add(scope as ApiScope);
  }
  return out;
}
