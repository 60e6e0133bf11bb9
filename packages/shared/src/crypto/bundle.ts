import { fromBase64, randomBytes, toBase64Url, utf8 } from './bytes';
import { KeyError, openKey, sealKey } from './keys';
import { pbkdf2Sha256 } from './pbkdf2';

/**
 * Key bundle v1: an account's TMKs (every version), each sealed with AES-256-GCM under a key derived from the
 * owner's passphrase, so images can be decrypted with no server (and without the root key):
 *   {
 *     "format": "pixelflare-key-bundle", "version": 1, "owner_id": "usr_…", "created_at": ISO 8601,
 *     "kdf": { "name": "PBKDF2", "hash": "SHA-256", "iterations": 600000, "salt": base64url(16 random bytes) },
 *     "keys": [{ "version": 1, "fingerprint": "…", "wrapped": base64url(nonce 12 || ciphertext 32 || tag 16) }, …]
 *   }
 * The key derived is 32 bytes; each TMK's associated data is "pixelflare/bundle/v1|<owner id>|<tmk version>".
 */
export const KEY_BUNDLE_FORMAT = 'pixelflare-key-bundle';
export const KEY_BUNDLE_VERSION = 1;
/** OWASP's 2023 floor for PBKDF2-HMAC-SHA256; bundles asking for fewer are refused on import too. */
export const MIN_PBKDF2_ITERATIONS = 600_000;
export const MIN_PASSPHRASE_LENGTH = 12;

export interface KeyBundle {
  format: typeof KEY_BUNDLE_FORMAT;
  version: typeof KEY_BUNDLE_VERSION;
  owner_id: string;
  created_at: string;
  kdf: { name: 'PBKDF2'; hash: 'SHA-256'; iterations: number; salt: string };
  keys: { version: number; fingerprint: string; wrapped: string }[];
}

function passphraseKey(passphrase: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  return pbkdf2Sha256(utf8(passphrase.normalize('NFC')), salt, iterations, 32);
}

const bundleAad = (ownerId: string, version: number) => `pixelflare/bundle/v1|${ownerId}|${version}`;

export async function createKeyBundle(input: {
  ownerId: string;
  passphrase: string;
  keys: { version: number; fingerprint: string; tmk: Uint8Array }[];
  iterations?: number;
  now?: Date;
}): Promise<KeyBundle> {
  const iterations = input.iterations ?? MIN_PBKDF2_ITERATIONS;
  if (iterations < MIN_PBKDF2_ITERATIONS)
    throw new KeyError(`PBKDF2 needs at least ${MIN_PBKDF2_ITERATIONS} iterations`);
  const salt = randomBytes(16);
  const wrappingKey = await passphraseKey(input.passphrase, salt, iterations);
  const keys = [];
  for (const key of [...input.keys].sort((a, b) => a.version - b.version)) {
    keys.push({
      version: key.version,
      fingerprint: key.fingerprint,
      wrapped: await sealKey(wrappingKey, key.tmk, bundleAad(input.ownerId, key.version)),
    });
  }
  return {
    format: KEY_BUNDLE_FORMAT,
    version: KEY_BUNDLE_VERSION,
    owner_id: input.ownerId,
    created_at: (input.now ?? new Date()).toISOString(),
    kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations, salt: toBase64Url(salt) },
    keys,
  };
}

/** Checks a parsed JSON value is a bundle this code reads. */
export function parseKeyBundle(value: unknown): KeyBundle {
  const bundle = value as Partial<KeyBundle> | null;
  if (!bundle || bundle.format !== KEY_BUNDLE_FORMAT) throw new KeyError('Not a Pixelflare key bundle');
  if (bundle.version !== KEY_BUNDLE_VERSION)
    throw new KeyError(`Unsupported key bundle version ${bundle.version}`);
  const kdf = bundle.kdf;
  if (!kdf || kdf.name !== 'PBKDF2' || kdf.hash !== 'SHA-256' || typeof kdf.salt !== 'string') {
    throw new KeyError('Unsupported key derivation in the bundle');
  }
  if (!Number.isInteger(kdf.iterations) || kdf.iterations < MIN_PBKDF2_ITERATIONS) {
    throw new KeyError(`The bundle's PBKDF2 iterations are below ${MIN_PBKDF2_ITERATIONS}`);
  }
  if (typeof bundle.owner_id !== 'string' || !Array.isArray(bundle.keys))
    throw new KeyError('Malformed key bundle');
  for (const key of bundle.keys) {
    if (!Number.isInteger(key?.version) || typeof key?.wrapped !== 'string')
      throw new KeyError('Malformed key bundle');
  }
  return bundle as KeyBundle;
}

/** Every TMK in the bundle by version; a wrong passphrase is a KeyError. */
export async function openKeyBundle(bundle: KeyBundle, passphrase: string): Promise<Map<number, Uint8Array>> {
  const wrappingKey = await passphraseKey(passphrase, fromBase64(bundle.kdf.salt), bundle.kdf.iterations);
  const keys = new Map<number, Uint8Array>();
  for (const key of bundle.keys) {
    try {
      keys.set(key.version, await openKey(wrappingKey, key.wrapped, bundleAad(bundle.owner_id, key.version)));
    } catch {
      throw new KeyError('The passphrase does not open this key bundle');
    }
  }
  return keys;
}
