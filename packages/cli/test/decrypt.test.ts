import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createKeyBundle,
  encryptBytes,
  importContentKey,
  keyFingerprint,
  newKeyBytes,
  objectContext,
  randomBytes,
  wrapCek,
} from '@pixelflare/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { runDecrypt, type DecryptIo } from '../src/commands/decrypt';

const PASSPHRASE = 'correct horse battery staple';

function captured(env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: DecryptIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env };
  return { io, out, err };
}

/** What the server would hold for one image: TMKs v1 and v2, the CEK wrapped under v2, and encrypted objects. */
describe('pixelflare decrypt (plain Node, no server)', () => {
  let dir: string;
  const plain = randomBytes(200_000);
  const thumb = randomBytes(3_000);
  const ownerId = 'usr_offline';
  const imageId = 'img_offline';
  let wrappedKey: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pf-decrypt-'));
    const tmks = [newKeyBytes(), newKeyBytes()];
    const cekBytes = newKeyBytes();
    wrappedKey = await wrapCek(tmks[1]!, cekBytes, { ownerId, imageId, version: 2 });
    const cek = await importContentKey(cekBytes);
    const bundle = await createKeyBundle({
      ownerId,
      passphrase: PASSPHRASE,
      keys: await Promise.all(
        tmks.map(async (tmk, i) => ({ version: i + 1, fingerprint: await keyFingerprint(tmk), tmk })),
      ),
    });
    await writeFile(join(dir, 'keys.json'), JSON.stringify(bundle));
    await writeFile(
      join(dir, 'image.json'),
      JSON.stringify({
        image_id: imageId,
        owner_id: ownerId,
        wrapped_key: wrappedKey,
        content_type: 'image/jpeg',
        storage_key: `${ownerId}/default/${imageId}/original.jpg`,
        renditions: { thumb: `${ownerId}/default/${imageId}/enc-thumb.pfse` },
      }),
    );
    await writeFile(
      join(dir, 'original.jpg'),
      await encryptBytes(cek, plain, { context: objectContext(imageId, 'original') }),
    );
    await writeFile(
      join(dir, 'enc-thumb.pfse'),
      await encryptBytes(cek, thumb, { context: objectContext(imageId, 'thumb') }),
    );
    await writeFile(join(dir, 'passphrase.txt'), `${PASSPHRASE}\n`);
  });

  const args = (...rest: string[]) => [
    '--bundle',
    join(dir, 'keys.json'),
    '--passphrase-file',
    join(dir, 'passphrase.txt'),
    ...rest,
  ];

  it('decrypts an original and a rendition (named by the object key) with the bundle and its passphrase', async () => {
    const { io, out } = captured();
    expect(
      await runDecrypt(
        args('--image', join(dir, 'image.json'), join(dir, 'original.jpg'), join(dir, 'out.jpg')),
        io,
      ),
    ).toBe(0);
    expect(new Uint8Array(await readFile(join(dir, 'out.jpg')))).toEqual(plain);
    expect(out.join('')).toContain('Decrypted original');
    expect(
      await runDecrypt(
        args('--image', join(dir, 'image.json'), join(dir, 'enc-thumb.pfse'), join(dir, 'thumb.jpg')),
        io,
      ),
    ).toBe(0);
    expect(new Uint8Array(await readFile(join(dir, 'thumb.jpg')))).toEqual(thumb);
  });

  it('takes a bare wrapped key with --image-id, and the passphrase from PIXELFLARE_PASSPHRASE', async () => {
    const { io } = captured({ PIXELFLARE_PASSPHRASE: PASSPHRASE });
    const code = await runDecrypt(
      [
        '--bundle',
        join(dir, 'keys.json'),
        '--image',
        wrappedKey,
        '--image-id',
        imageId,
        join(dir, 'original.jpg'),
        join(dir, 'bare.jpg'),
      ],
      io,
    );
    expect(code).toBe(0);
    expect(new Uint8Array(await readFile(join(dir, 'bare.jpg')))).toEqual(plain);
  });

  it('refuses a wrong passphrase, a tampered or truncated object, or the wrong rendition, writing nothing', async () => {
    const bytes = new Uint8Array(await readFile(join(dir, 'original.jpg')));
    const flipped = bytes.slice();
    flipped[100_000]! ^= 1;
    await writeFile(join(dir, 'flipped.jpg'), flipped);
    await writeFile(join(dir, 'cut.jpg'), bytes.subarray(0, 16 + 65552));
    const cases: [string[], string][] = [
      [
        [
          '--bundle',
          join(dir, 'keys.json'),
          '--image',
          join(dir, 'image.json'),
          join(dir, 'original.jpg'),
          join(dir, 'x1'),
        ],
        'passphrase',
      ],
      [
        args('--image', join(dir, 'image.json'), join(dir, 'flipped.jpg'), join(dir, 'x2')),
        'failed authentication',
      ],
      [args('--image', join(dir, 'image.json'), join(dir, 'cut.jpg'), join(dir, 'x3')), 'Segment'],
      [
        args(
          '--image',
          join(dir, 'image.json'),
          '--rendition',
          'w256',
          join(dir, 'original.jpg'),
          join(dir, 'x4'),
        ),
        'Segment',
      ],
    ];
    for (const [i, [argv, message]] of cases.entries()) {
      const { io, err } = captured({ PIXELFLARE_PASSPHRASE: i === 0 ? 'not the passphrase' : undefined });
      expect(await runDecrypt(argv, io)).toBe(1);
      expect(err.join('')).toContain(message);
      expect(existsSync(argv.at(-1)!)).toBe(false);
    }
  });

  it('exits 2 with the usage for missing arguments', async () => {
    const { io, err } = captured();
    expect(await runDecrypt(['--bundle', 'x.json'], io)).toBe(2);
    expect(err.join('')).toContain('Usage: pixelflare decrypt');
  });
});
