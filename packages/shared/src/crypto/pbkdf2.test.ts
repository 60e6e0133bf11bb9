import { describe, expect, it } from 'vitest';
import { randomBytes, utf8 } from './bytes';
import { pbkdf2Sha256Js } from './pbkdf2';

async function webCrypto(password: Uint8Array, salt: Uint8Array, iterations: number, length: number) {
  const base = await crypto.subtle.importKey('raw', password as Uint8Array<ArrayBuffer>, 'PBKDF2', false, [
    'deriveBits',
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: salt as Uint8Array<ArrayBuffer>, iterations },
    base,
    length * 8,
  );
  return new Uint8Array(bits);
}

describe('PBKDF2-HMAC-SHA256 in JavaScript (the fallback where WebCrypto caps iterations: Workers)', () => {
  it('matches RFC 7914’s test vector', async () => {
    const out = await pbkdf2Sha256Js(utf8('passwd'), utf8('salt'), 1, 64);
    expect([...out].map((byte) => byte.toString(16).padStart(2, '0')).join('')).toBe(
      '55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783',
    );
  });

  it.each([
    [1, 32, 8],
    [2, 32, 16],
    [1000, 32, 16],
    [4096, 20, 100],
  ])(
    'matches WebCrypto for %i iterations, %i bytes, a %i-byte password',
    async (iterations, length, passwordBytes) => {
      const password = randomBytes(passwordBytes);
      const salt = randomBytes(16);
      expect(await pbkdf2Sha256Js(password, salt, iterations, length)).toEqual(
        await webCrypto(password, salt, iterations, length),
      );
    },
  );

  it('matches WebCrypto at the bundle’s 600,000 iterations', async () => {
    const password = utf8('correct horse battery staple');
    const salt = randomBytes(16);
    expect(await pbkdf2Sha256Js(password, salt, 600_000, 32)).toEqual(
      await webCrypto(password, salt, 600_000, 32),
    );
  });
});
