import { INGEST_HEAD_BYTES, INGEST_MEMORY_LIMIT_BYTES, MB } from '@pixelflare/config';
import { createDb } from '@pixelflare/database';
import { originalStorageKey } from '@pixelflare/shared';
import { env } from 'cloudflare:workers';
import exifr from 'exifr';
import { describe, expect, it } from 'vitest';
import { largeJpeg, scanOffsetOf } from '../../../test/fixtures/large-files';
import { buildJpeg, leakedSecrets } from '../../../test/fuzz/metadata.properties';
import { recordingBucket } from '../../../test/fixtures/recording-bucket';
import { createUser } from '../../../test/helpers';
import { sha256Hex } from '../../lib/crypto';
import { loadEnv } from '../../lib/env';
import { newId } from '../../lib/ids';
import { ingestDepsFrom } from './ingest';
import { stripPrivateMetadata } from './metadata';
import { ingestStoredUpload } from './stored';

const LARGE = INGEST_MEMORY_LIMIT_BYTES + 4 * MB;
const EXIF_OPTIONS = { gps: true, xmp: true, translateValues: false };

async function stage(ownerId: string, bytes: Uint8Array) {
  const imageId = newId('img');
  const key = originalStorageKey(ownerId, 'default', imageId, 'jpg');
  await env.IMAGES_BUCKET.put(key, bytes);
  return { imageId, key };
}

async function ingestStaged(slug: string, file: Uint8Array, filename: string) {
  const user = await createUser(slug);
  const { imageId, key } = await stage(user.id, file);
  const recorder = recordingBucket(env.IMAGES_BUCKET);
  const deps = {
    ...ingestDepsFrom(createDb(env.DB), env, loadEnv(env)),
    bucket: recorder.bucket,
  };
  const result = await ingestStoredUpload(deps, {
    key,
    imageId,
    ownerId: user.id,
    metadata: { filename },
    way: 'tus',
  });
  return { result, key, imageId, ...recorder };
}

describe('ingestStoredUpload', () => {
  it('strips a JPEG above the memory limit from its head, streaming the rest, never buffering the file', async () => {
    const file = largeJpeg(LARGE);
    const { result, key, imageId, buffered, written } = await ingestStaged('stored-large', file, 'big.jpg');

    // Bounded: only the head and the tail were ever read into memory.
    expect(Math.max(...buffered)).toBeLessThanOrEqual(INGEST_HEAD_BYTES);
    expect(buffered.reduce((sum, size) => sum + size, 0)).toBeLessThan(INGEST_HEAD_BYTES + MB);

    // The stored bytes are exactly what the in-memory path makes of the same file.
    const stored = new Uint8Array(
      await (await env.IMAGES_BUCKET.get(result.image.storageKey))!.arrayBuffer(),
    );
    const inMemory = await stripPrivateMetadata(file, 'image/jpeg');
    expect(stored.length).toBe(inMemory.bytes.length);
    expect(await sha256Hex(stored)).toBe(await sha256Hex(inMemory.bytes));
    expect(result.image).toMatchObject({
      contentHash: await sha256Hex(stored),
      bytes: stored.length,
      width: 2,
      height: 2,
      exif: inMemory.summary,
    });
    // GPS and identifying tags are gone, the orientation stays, the image data after the header is untouched.
    expect(await exifr.parse(stored, EXIF_OPTIONS)).toEqual({ Orientation: 6 });
    const scan = scanOffsetOf(file);
    const storedScan = scanOffsetOf(stored);
    expect(storedScan).toBeLessThan(scan);
    expect(await sha256Hex(stored.subarray(storedScan))).toBe(await sha256Hex(file.subarray(scan)));
    // It was rewritten, so it went to a fresh key (never over the object it streamed from) in one write.
    expect(result.image.id).not.toBe(imageId);
    expect(written).toEqual([result.image.storageKey]);
    expect(await env.IMAGES_BUCKET.head(key)).not.toBeNull(); // the caller (tus session) removes the source
  });

  it("drops a large JPEG's comment between scans and the MPO image after its end, as in memory", async () => {
    // The first image: a comment before its end marker, then megabytes of image data; a second image (an MPO's
    // next frame) after it with its own EXIF, artist and GPS.
    const first = largeJpeg(
      LARGE,
      buildJpeg({ base: 'stripe.jpg', header: [], beforeEnd: true, trailer: 'none' }).bytes,
    );
    const second = buildJpeg({
      base: 'stripe.jpg',
      header: [{ kind: 'exif', orientation: 3, littleEndian: false }],
      beforeEnd: false,
      trailer: 'none',
    }).bytes;
    const file = new Uint8Array(first.length + second.length);
    file.set(first);
    file.set(second, first.length);
    expect(leakedSecrets(file).length).toBeGreaterThan(0);

    const { result, buffered } = await ingestStaged('stored-mpo', file, 'burst.jpg');
    expect(Math.max(...buffered)).toBeLessThanOrEqual(INGEST_HEAD_BYTES);
    const stored = new Uint8Array(
      await (await env.IMAGES_BUCKET.get(result.image.storageKey))!.arrayBuffer(),
    );
    expect(leakedSecrets(stored)).toEqual([]);
    expect(stored.length).toBeLessThan(first.length);
    expect([...stored.subarray(-2)]).toEqual([0xff, 0xd9]);
    const inMemory = await stripPrivateMetadata(file, 'image/jpeg');
    expect(await sha256Hex(stored)).toBe(await sha256Hex(inMemory.bytes));
    expect(result.image).toMatchObject({ bytes: stored.length, contentHash: await sha256Hex(stored) });
    expect(result.image.exif?.stripped).toEqual(expect.arrayContaining(['Comment', 'Trailing data']));
  });

  it('does not rewrite a large JPEG with nothing to strip: the staged object becomes the original', async () => {
    const file = largeJpeg(LARGE, 'stripe.jpg');
    const { result, key, imageId, buffered, written } = await ingestStaged('stored-clean', file, 'clean.jpg');
    expect(result.image).toMatchObject({ id: imageId, storageKey: key, bytes: file.length });
    expect(result.image.contentHash).toBe(await sha256Hex(file));
    expect(written).toEqual([]);
    expect(Math.max(...buffered)).toBeLessThanOrEqual(INGEST_HEAD_BYTES);
  });

  it('reads files up to the limit whole and takes the in-memory path', async () => {
    const file = largeJpeg(2 * MB);
    const { result, buffered } = await ingestStaged('stored-small', file, 'small.jpg');
    expect(buffered).toEqual([file.length]);
    const stored = await (await env.IMAGES_BUCKET.get(result.image.storageKey))!.arrayBuffer();
    expect(await exifr.parse(new Uint8Array(stored), EXIF_OPTIONS)).toEqual({ Orientation: 6 });
  });
});
