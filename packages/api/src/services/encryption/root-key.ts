import { keyFingerprint, parseRootKey } from '@pixelflare/shared';
import { tenantKeys, type Database } from '@pixelflare/database';
import { EnvError, type EnvVars } from '../../lib/env';

export interface RootKey {
  bytes: Uint8Array;
  /** Public fingerprint, recorded on every TMK it wraps. */
  id: string;
}

const parsed = new Map<string, Promise<RootKey>>();

/** The root key from config, or an EnvError naming ENCRYPTION_ROOT_KEY (a 503 MISCONFIGURED answer). */
export function rootKeyOf(config: Pick<EnvVars, 'ENCRYPTION_ROOT_KEY'>): Promise<RootKey> {
  const value = config.ENCRYPTION_ROOT_KEY;
  const bytes = parseRootKey(value);
  if (!value || !bytes) {
    return Promise.reject(
      new EnvError([
        value
          ? 'ENCRYPTION_ROOT_KEY must be 32 bytes, base64 (openssl rand -base64 32)'
          : 'ENCRYPTION_ROOT_KEY is missing (encryption at rest needs it)',
      ]),
    );
  }
  let key = parsed.get(value);
  if (!key) {
    key = keyFingerprint(bytes).then((id) => ({ bytes, id }));
    parsed.set(value, key);
  }
  return key;
}

const checked = new WeakMap<object, Promise<void>>();

/**
 * The startup check: once any account has encryption on, a missing or malformed ENCRYPTION_ROOT_KEY is an
 * EnvError on every request (the Worker has no async start, so it runs on an isolate's first request and is
 * remembered per env object). A database that cannot be read does not fail the request here.
 */
export function assertRootKeyWhenInUse(
  bindings: object,
  db: Database,
  config: Pick<EnvVars, 'ENCRYPTION_ROOT_KEY'>,
): Promise<void> {
  if (parseRootKey(config.ENCRYPTION_ROOT_KEY)) return Promise.resolve();
  let check = checked.get(bindings);
  if (!check) {
    check = (async () => {
      const inUse = await db
        .select({ ownerId: tenantKeys.ownerId })
        .from(tenantKeys)
        .limit(1)
        .then((rows) => rows.length > 0)
        .catch(() => false);
      if (inUse) await rootKeyOf(config);
    })();
    // A failed check is repeated on the next request, not cached: the fix is a redeploy with the secret.
    check.catch(() => checked.delete(bindings));
    checked.set(bindings, check);
  }
  return check;
}
