import { pbkdf2Async } from '@noble/hashes/pbkdf2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { buf } from './bytes';

/**
 * PBKDF2-HMAC-SHA256 in JavaScript (@noble/hashes, audited and maintained), for runtimes whose WebCrypto refuses
 * the iteration count: Cloudflare Workers cap PBKDF2 at 100,000 iterations (workerd#1346) and a key bundle needs
 * at least 600,000 (about 1.5 s of CPU on one core; pbkdf2Async yields between chunks).
 */
export function pbkdf2Sha256Js(
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  length: number,
): Promise<Uint8Array> {
  return pbkdf2Async(sha256, password, salt, { c: iterations, dkLen: length });
}

/** PBKDF2-HMAC-SHA256: WebCrypto where it takes the iteration count (Node, browsers), else the JavaScript one. */
export async function pbkdf2Sha256(
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  length: number,
): Promise<Uint8Array> {
  const base = await crypto.subtle.importKey('raw', buf(password), 'PBKDF2', false, ['deriveBits']);
  try {
    const bits = await crypto.subtle.deriveBits(
      { name: 'PBKDF2', hash: 'SHA-256', salt: buf(salt), iterations },
      base,
      length * 8,
    );
    return new Uint8Array(bits);
  } catch {
    // workerd throws NotSupportedError above 100,000 iterations; the same function, computed in JavaScript.
    return pbkdf2Sha256Js(password, salt, iterations, length);
  }
}
