import { SHARE_LINK_KDF } from '@pixelflare/config';
import { argon2id } from '@noble/hashes/argon2.js';
import { fromBase64Url, timingSafeEqual, toBase64Url } from '../../lib/crypto';

const PREFIX = '$argon2id$v=19$';
const HASH_BYTES = 32;

/** `$argon2id$v=19$m=…,t=…,p=…$salt$hash` (PHC string format, base64url without padding). */
export function hashSharePassword(
  password: string,
  kdf: { memoryKiB: number; passes: number; parallelism: number } = SHARE_LINK_KDF,
): string {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const { memoryKiB: m, passes: t, parallelism: p } = kdf;
  const hash = argon2id(password, salt, { m, t, p, dkLen: HASH_BYTES });
  return `${PREFIX}m=${m},t=${t},p=${p}$${toBase64Url(salt)}$${toBase64Url(hash)}`;
}

/** Whether `password` matches a stored hash, with the parameters the hash names. A malformed hash never matches. */
export function verifySharePassword(password: string, stored: string): boolean {
  if (!stored.startsWith(PREFIX)) return false;
  const [params, salt, hash] = stored.slice(PREFIX.length).split('$');
  const match = /^m=(\d+),t=(\d+),p=(\d+)$/.exec(params ?? '');
  if (!match || !salt || !hash) return false;
  const [m, t, p] = match.slice(1).map(Number) as [number, number, number];
  const expected = fromBase64Url(hash);
  const actual = argon2id(password, fromBase64Url(salt), { m, t, p, dkLen: expected.length });
  return timingSafeEqual(toBase64Url(actual), hash);
}
