import { INGEST_MEMORY_LIMIT_BYTES, MB } from '@pixelflare/config';
import { createDb, images } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import exifr from 'exifr';
import { describe, expect, it } from 'vitest';
import { largeJpeg, largePng, scanOffsetOf } from '../../../test/fixtures/large-files';
import { uploadInChunks } from '../../../test/fixtures/tus-helpers';
import { authed, call, createUser, errorOf, type TestUser } from '../../../test/helpers';
import { sha256Hex } from '../../lib/crypto';

/** Just above the in-memory limit, so these uploads take the bounded path. */
const LARGE = INGEST_MEMORY_LIMIT_BYTES + 4 * MB;

const objectsOf = async (user: TestUser) =>
  (await env.IMAGES_BUCKET.list({ prefix: `${user.id}/` })).objects.map((object) => object.key);
const rowsOf = (user: TestUser) => createDb(env.DB).select().from(images).where(eq(images.ownerId, user.id));

describe('tus uploads above the in-memory ingest limit', () => {
  it('stores a large JPEG stripped of GPS and identifying EXIF, and deduplicates it the second time', async () => {
    const user = await createUser('tus-large-jpeg');
    const file = largeJpeg(LARGE);
    const response = await uploadInChunks(user, file, 'holiday.jpg');
    expect(response.status).toBe(204);
    const imageId = response.headers.get('Pixelflare-Image-Id')!;

    const image = (await (await call(`/v1/images/${imageId}`, authed(user.key))).json()) as {
      content_hash: string;
      bytes: number;
      filename: string;
    };
    const [row] = await rowsOf(user);
    const stored = new Uint8Array(await (await env.IMAGES_BUCKET.get(row!.storageKey))!.arrayBuffer());
    expect(image).toMatchObject({ filename: 'holiday.jpg', bytes: stored.length });
    expect(image.content_hash).toBe(await sha256Hex(stored));
    expect(await exifr.parse(stored, { gps: true, xmp: true, translateValues: false })).toEqual({
      Orientation: 6,
    });
    expect(new TextDecoder('latin1').decode(stored.subarray(0, scanOffsetOf(stored)))).toContain(
      'ICC_PROFILE',
    );
    // Only the header changed: the image data from the scan on is byte-identical.
    expect(await sha256Hex(stored.subarray(scanOffsetOf(stored)))).toBe(
      await sha256Hex(file.subarray(scanOffsetOf(file))),
    );
    // The assembled upload was removed once the stripped original was written.
    expect(await objectsOf(user)).toEqual([row!.storageKey]);

    const again = await uploadInChunks(user, file, 'holiday-again.jpg');
    expect(again.status).toBe(204);
    expect(again.headers.get('Pixelflare-Image-Id')).toBe(imageId);
    expect(await rowsOf(user)).toHaveLength(1);
    expect(await objectsOf(user)).toEqual([row!.storageKey]);
  });

  it('refuses a large PNG with 413 naming the format and the limit, and keeps nothing', async () => {
    const user = await createUser('tus-large-png');
    const response = await uploadInChunks(user, largePng(LARGE), 'screen.png');
    expect(response.status).toBe(413);
    expect(response.headers.get('Tus-Resumable')).toBe('1.0.0');
    const error = await errorOf(response);
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.message).toContain('PNG');
    expect(error.message).toContain(`${INGEST_MEMORY_LIMIT_BYTES / MB} MB`);
    expect(await objectsOf(user)).toEqual([]);
    expect(await rowsOf(user)).toEqual([]);
  });

  it('refuses a large JPEG whose header is broken, or which has no end, and keeps nothing', async () => {
    const user = await createUser('tus-large-broken');
    const badMarker = largeJpeg(LARGE);
    badMarker[5] = badMarker[5]! + 1; // the first segment's length is one off: the next marker is not found
    const response = await uploadInChunks(user, badMarker, 'broken.jpg');
    expect(response.status).toBe(422);
    expect(await errorOf(response)).toMatchObject({
      code: 'UNPROCESSABLE_IMAGE',
      message: /bad JPEG marker/,
    });

    const noEnd = largeJpeg(LARGE).subarray(0, LARGE - 2);
    const truncated = await uploadInChunks(user, noEnd, 'truncated.jpg');
    expect(truncated.status).toBe(422);
    expect((await errorOf(truncated)).message).toMatch(/no end marker/);

    expect(await objectsOf(user)).toEqual([]);
    expect(await rowsOf(user)).toEqual([]);
  });
});
