import { describe, expect, it } from 'vitest';
import { toBase64 } from './bytes';
import { createKeyBundle, MIN_PBKDF2_ITERATIONS, openKeyBundle, parseKeyBundle } from './bundle';
import {
  KeyError,
  newKeyBytes,
  parseRootKey,
  unwrapCek,
  unwrapTmk,
  wrapCek,
  wrapTmk,
  wrappedCekVersion,
} from './keys';

async function rejected(promise: Promise<unknown>) {
  await expect(promise).rejects.toBeInstanceOf(KeyError);
}

describe('key hierarchy', () => {
  it('parses a 32-byte base64 root key and nothing else', () => {
    const root = newKeyBytes();
    expect(parseRootKey(toBase64(root))).toEqual(root);
    expect(parseRootKey(undefined)).toBeNull();
    expect(parseRootKey('short')).toBeNull();
    expect(parseRootKey(toBase64(new Uint8Array(31)))).toBeNull();
    expect(parseRootKey('not base64 at all!!')).toBeNull();
  });

  it('a wrapped TMK opens only for its owner and version under its root key', async () => {
    const root = newKeyBytes();
    const tmk = newKeyBytes();
    const wrapped = await wrapTmk(root, tmk, 'usr_a', 1);
    expect(await unwrapTmk(root, wrapped, 'usr_a', 1)).toEqual(tmk);
    await rejected(unwrapTmk(root, wrapped, 'usr_b', 1));
    await rejected(unwrapTmk(root, wrapped, 'usr_a', 2));
    await rejected(unwrapTmk(newKeyBytes(), wrapped, 'usr_a', 1));
  });

  it('a wrapped CEK names its TMK version and opens only for its image', async () => {
    const tmk = newKeyBytes();
    const cek = newKeyBytes();
    const stored = await wrapCek(tmk, cek, { ownerId: 'usr_a', imageId: 'img_1', version: 3 });
    expect(wrappedCekVersion(stored)).toBe(3);
    expect(await unwrapCek(tmk, stored, { ownerId: 'usr_a', imageId: 'img_1' })).toEqual(cek);
    await rejected(unwrapCek(tmk, stored, { ownerId: 'usr_a', imageId: 'img_2' }));
    await rejected(unwrapCek(tmk, stored, { ownerId: 'usr_b', imageId: 'img_1' }));
    await rejected(unwrapCek(tmk, stored.replace(/^v3/, 'v2'), { ownerId: 'usr_a', imageId: 'img_1' }));
    await rejected(unwrapCek(newKeyBytes(), stored, { ownerId: 'usr_a', imageId: 'img_1' }));
  });
});

describe('key bundle', () => {
  it('exports every TMK under a passphrase (≥ 600,000 PBKDF2 iterations) and opens with it only', async () => {
    const keys = [
      { version: 2, fingerprint: 'b', tmk: newKeyBytes() },
      { version: 1, fingerprint: 'a', tmk: newKeyBytes() },
    ];
    const bundle = await createKeyBundle({ ownerId: 'usr_a', passphrase: 'correct horse battery', keys });
    expect(bundle.kdf.iterations).toBeGreaterThanOrEqual(MIN_PBKDF2_ITERATIONS);
    const parsed = parseKeyBundle(JSON.parse(JSON.stringify(bundle)));
    expect(parsed.keys.map((key) => key.version)).toEqual([1, 2]);
    const opened = await openKeyBundle(parsed, 'correct horse battery');
    expect(opened.get(1)).toEqual(keys[1]!.tmk);
    expect(opened.get(2)).toEqual(keys[0]!.tmk);
    await rejected(openKeyBundle(parsed, 'wrong horse battery'));
  });

  it('refuses bundles that are not v1 or ask for fewer iterations', async () => {
    const bundle = await createKeyBundle({ ownerId: 'usr_a', passphrase: 'correct horse battery', keys: [] });
    expect(() => parseKeyBundle({ ...bundle, version: 2 })).toThrow(KeyError);
    expect(() => parseKeyBundle({ ...bundle, kdf: { ...bundle.kdf, iterations: 1000 } })).toThrow(KeyError);
    expect(() => parseKeyBundle({ format: 'other' })).toThrow(KeyError);
    await expect(
      createKeyBundle({ ownerId: 'usr_a', passphrase: 'x', keys: [], iterations: 1000 }),
    ).rejects.toBeInstanceOf(KeyError);
  });
});
