import { buf, concatBytes, fromBase64, randomBytes, toBase64Url, utf8 } from './bytes';
import { DecryptError } from './stream';

/**
 * The key hierarchy, WebCrypto only:
 *   root key (ENCRYPTION_ROOT_KEY, 32 bytes) ─wraps→ TMK v1, v2, … (one set per account) ─wraps→ CEK (one per image)
 * Every wrap is AES-256-GCM with a random 12-byte nonce, written `base64url(nonce || ciphertext || tag)`, and
 * associated data naming what the key belongs to, so a wrapped key copied to another account, image or version
 * does not unwrap:
 *   TMK: "pixelflare/tmk/v1|<owner id>|<tmk version>"
 *   CEK: "pixelflare/cek/v1|<owner id>|<image id>|<tmk version>"
 * A wrapped CEK is stored as `v<tmk version>.<wrapped>`, so it names the TMK that opens it.
 */
export const KEY_BYTES = 32;
const NONCE_BYTES = 12;

export class KeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyError';
  }
}

/** Parses ENCRYPTION_ROOT_KEY: base64 (or base64url) of exactly 32 bytes; `null` when malformed. */
export function parseRootKey(value: string | undefined): Uint8Array | null {
  if (!value) return null;
  try {
    const bytes = fromBase64(value.trim());
    return bytes.length === KEY_BYTES ? bytes : null;
  } catch {
    return null;
  }
}

export const newKeyBytes = (): Uint8Array => randomBytes(KEY_BYTES);

const importWrappingKey = (raw: Uint8Array) =>
  crypto.subtle.importKey('raw', buf(raw), 'AES-GCM', false, ['encrypt', 'decrypt']);

export async function sealKey(wrappingKey: Uint8Array, key: Uint8Array, aad: string): Promise<string> {
  const nonce = randomBytes(NONCE_BYTES);
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: buf(nonce), additionalData: buf(utf8(aad)) },
    await importWrappingKey(wrappingKey),
    buf(key),
  );
  return toBase64Url(concatBytes(nonce, new Uint8Array(sealed)));
}

export async function openKey(wrappingKey: Uint8Array, wrapped: string, aad: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(wrapped);
  } catch {
    throw new KeyError('The wrapped key is not base64');
  }
  if (bytes.length !== NONCE_BYTES + KEY_BYTES + 16)
    throw new KeyError('The wrapped key has the wrong length');
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: buf(bytes.subarray(0, NONCE_BYTES)), additionalData: buf(utf8(aad)) },
      await importWrappingKey(wrappingKey),
      buf(bytes.subarray(NONCE_BYTES)),
    );
    return new Uint8Array(plain);
  } catch {
    throw new KeyError('The wrapped key does not open with this key (wrong key, owner, image or version)');
  }
}

export const tmkAad = (ownerId: string, version: number) => `pixelflare/tmk/v1|${ownerId}|${version}`;
export const cekAad = (ownerId: string, imageId: string, version: number) =>
  `pixelflare/cek/v1|${ownerId}|${imageId}|${version}`;

export const wrapTmk = (root: Uint8Array, tmk: Uint8Array, ownerId: string, version: number) =>
  sealKey(root, tmk, tmkAad(ownerId, version));
export const unwrapTmk = (root: Uint8Array, wrapped: string, ownerId: string, version: number) =>
  openKey(root, wrapped, tmkAad(ownerId, version));

/** `v<version>.<wrapped>`: the stored form of an image's CEK. */
export async function wrapCek(
  tmk: Uint8Array,
  cek: Uint8Array,
  ids: { ownerId: string; imageId: string; version: number },
): Promise<string> {
  return `v${ids.version}.${await sealKey(tmk, cek, cekAad(ids.ownerId, ids.imageId, ids.version))}`;
}

export function wrappedCekVersion(stored: string): number {
  const match = /^v(\d+)\.([A-Za-z0-9_-]+)$/.exec(stored);
  if (!match) throw new KeyError('Malformed wrapped content key');
  return Number(match[1]);
}

export async function unwrapCek(
  tmk: Uint8Array,
  stored: string,
  ids: { ownerId: string; imageId: string },
): Promise<Uint8Array> {
  const version = wrappedCekVersion(stored);
  return openKey(tmk, stored.slice(stored.indexOf('.') + 1), cekAad(ids.ownerId, ids.imageId, version));
}

/** A short public fingerprint of a key (never the key): SHA-256 of a label and the key, first 8 bytes, hex. */
export async function keyFingerprint(key: Uint8Array): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', buf(concatBytes(utf8('pixelflare/fingerprint/v1|'), key))),
  );
  return [...digest.subarray(0, 8)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** HKDF-SHA256 of a key for one purpose (token signing, keyed dedup hashes), so no key serves two. */
export async function deriveKey(key: Uint8Array, purpose: string, length = KEY_BYTES): Promise<Uint8Array> {
  const base = await crypto.subtle.importKey('raw', buf(key), 'HKDF', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: buf(new Uint8Array(32)), info: buf(utf8(purpose)) },
    base,
    length * 8,
  );
  return new Uint8Array(bits);
}

export { DecryptError };
