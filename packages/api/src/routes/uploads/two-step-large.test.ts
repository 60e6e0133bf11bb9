import { INGEST_MEMORY_LIMIT_BYTES, MB, TWO_STEP_STAGING_PREFIX } from '@pixelflare/config';
import { createDb, images, uploadTokens } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import exifr from 'exifr';
import { describe, expect, it } from 'vitest';
import { largeJpeg, largePng, scanOffsetOf } from '../../../test/fixtures/large-files';
import { putTwoStep, startTwoStep } from '../../../test/fixtures/two-step-helpers';
import { call, createUser, errorOf, type TestUser } from '../../../test/helpers';
import { sha256Hex } from '../../lib/crypto';
import { purgeStaleStaging, twoStepStagingKey } from '../../services/uploads/two-step';

/** Just above the in-memory limit, so these bodies are streamed to R2 and take the bounded path. */
const LARGE = INGEST_MEMORY_LIMIT_BYTES + 4 * MB;

const db = () => createDb(env.DB);
const keysUnder = async (prefix: string) =>
  (await env.IMAGES_BUCKET.list({ prefix })).objects.map((object) => object.key);
const objectsOf = (user: TestUser) => keysUnder(`${user.id}/`);
const rowsOf = (user: TestUser) => db().select().from(images).where(eq(images.ownerId, user.id));

/** Nothing of a refused upload remains: no row (the pending one is removed), no object, nothing staged. */
async function expectNothingLeft(user: TestUser, imageId: string) {
  expect(await rowsOf(user)).toEqual([]);
  expect(await objectsOf(user)).toEqual([]);
  expect(await env.IMAGES_BUCKET.head(twoStepStagingKey(imageId))).toBeNull();
}

describe('two-step PUT above the in-memory ingest limit', () => {
  it('streams a large JPEG to staging, stores it stripped with its hash, and removes the staged body', async () => {
    const user = await createUser('two-step-large-jpeg');
    const file = largeJpeg(LARGE);
    const { id, path } = await startTwoStep(user, { filename: 'holiday.jpg', tags: ['trip'] });

    const response = await putTwoStep(path, file);
    expect(response.status).toBe(201);
    const body = (await response.json()) as {
      id: string;
      content_hash: string;
      bytes: number;
      tags: string[];
    };
    expect(body).toMatchObject({ id, tags: ['trip'] });

    const [row] = await rowsOf(user);
    expect(row).toMatchObject({ id, status: 'ready', filename: 'holiday.jpg', contentType: 'image/jpeg' });
    const stored = new Uint8Array(await (await env.IMAGES_BUCKET.get(row!.storageKey))!.arrayBuffer());
    expect(body.bytes).toBe(stored.length);
    expect(body.content_hash).toBe(await sha256Hex(stored));
    expect(await exifr.parse(stored, { gps: true, xmp: true, translateValues: false })).toEqual({
      Orientation: 6,
    });
    // Only the header was rewritten: the image data is the uploaded one.
    expect(await sha256Hex(stored.subarray(scanOffsetOf(stored)))).toBe(
      await sha256Hex(file.subarray(scanOffsetOf(file))),
    );
    // The staged body is gone; the original is the only object.
    expect(await env.IMAGES_BUCKET.head(twoStepStagingKey(id))).toBeNull();
    expect(await objectsOf(user)).toEqual([row!.storageKey]);

    // The token still works once.
    const reused = await putTwoStep(path, file);
    expect(reused.status).toBe(403);
    expect((await errorOf(reused)).code).toBe('FORBIDDEN');
  });

  it('answers a second large copy with the existing image and removes its pending row and staged body', async () => {
    const user = await createUser('two-step-large-dup');
    const file = largeJpeg(LARGE);
    const first = await startTwoStep(user, { filename: 'a.jpg' });
    expect((await putTwoStep(first.path, file)).status).toBe(201);

    const second = await startTwoStep(user, { filename: 'b.jpg' });
    const again = await putTwoStep(second.path, file);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ id: first.id, duplicate: true });
    expect((await rowsOf(user)).map((row) => row.id)).toEqual([first.id]);
    expect(await env.IMAGES_BUCKET.head(twoStepStagingKey(second.id))).toBeNull();
    expect(await objectsOf(user)).toHaveLength(1);
  });

  it.each([
    ['shorter', LARGE - 1000],
    ['longer', LARGE + 1000],
  ])('refuses a body %s than its Content-Length with 400 and leaves nothing', async (_, sent) => {
    const user = await createUser(`two-step-lying-${sent}`);
    const { id, path } = await startTwoStep(user, { filename: 'lie.jpg' });
    const response = await putTwoStep(path, largeJpeg(sent), LARGE);
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toContain(`Content-Length of ${LARGE} bytes`);
    await expectNothingLeft(user, id);
  });

  it('refuses a large PNG with 413 naming the format and the limit, and leaves nothing', async () => {
    const user = await createUser('two-step-large-png');
    const { id, path } = await startTwoStep(user, { filename: 'screen.png' });
    const response = await putTwoStep(path, largePng(LARGE));
    expect(response.status).toBe(413);
    const error = await errorOf(response);
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.message).toContain('PNG');
    expect(error.message).toContain(`${INGEST_MEMORY_LIMIT_BYTES / MB} MB`);
    await expectNothingLeft(user, id);
    // The token was spent: the URL does not work again.
    expect((await putTwoStep(path, largePng(LARGE))).status).toBe(403);
  });

  it('refuses a large body without a Content-Length with 411, and still takes a small one', async () => {
    const user = await createUser('two-step-chunked');
    const big = await startTwoStep(user, { filename: 'big.jpg' });
    const response = await putTwoStep(big.path, largeJpeg(LARGE), null);
    expect(response.status).toBe(411);
    const error = await errorOf(response);
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toContain('Content-Length');
    await expectNothingLeft(user, big.id);

    const small = await startTwoStep(user, { filename: 'small.jpg' });
    const ok = await putTwoStep(small.path, largeJpeg(2 * MB), null);
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({ id: small.id, filename: 'small.jpg' });
  });

  it('refuses a declared length above the two-step limit with 413 before spending the token', async () => {
    const user = await createUser('two-step-over-limit');
    const { id, path } = await startTwoStep(user);
    const response = await call(path, {
      method: 'PUT',
      headers: { 'Content-Length': String(101 * MB) },
      body: 'x',
    });
    expect(response.status).toBe(413);
    expect((await errorOf(response)).message).toContain('/v1/uploads/tus');
    const [token] = await db().select().from(uploadTokens).where(eq(uploadTokens.imageId, id));
    expect(token!.usedAt).toBeNull();
  });
});

describe('staged two-step bodies in the cleanup cron', () => {
  it('deletes staged bodies older than the retention and keeps fresh ones', async () => {
    const key = twoStepStagingKey('img_stale_test');
    await env.IMAGES_BUCKET.put(key, new Uint8Array(10));
    const now = new Date();
    expect(await purgeStaleStaging(env.IMAGES_BUCKET, now)).toBe(0);
    expect(await env.IMAGES_BUCKET.head(key)).not.toBeNull();
    expect(await purgeStaleStaging(env.IMAGES_BUCKET, new Date(now.getTime() + 2 * 60 * 60 * 1000))).toBe(1);
    expect(await keysUnder(TWO_STEP_STAGING_PREFIX)).toEqual([]);
  });
});
