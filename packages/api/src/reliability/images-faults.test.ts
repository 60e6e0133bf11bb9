import { createDb, imageVariants } from '@pixelflare/database';
import { resolveTransform } from '@pixelflare/shared';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { faulty, requestWithBindings } from '../../test/fixtures/faults';
import { makeJpeg, storeImage, type StoredImage } from '../../test/fixtures/cdn/images';
import { createUser, errorOf, type TestUser } from '../../test/helpers';
import { createImagesBindingEngine } from '../engines/images-binding';
import type { TransformJob } from '../engines/types';
import { AppError } from '../lib/errors';

let owner: TestUser;

/** Everything stored for an image besides its original: variant objects in R2 and `image_variants` rows. */
async function renditionsOf(image: StoredImage) {
  const folder = image.storageKey.slice(0, image.storageKey.lastIndexOf('/') + 1);
  const objects = (await env.IMAGES_BUCKET.list({ prefix: folder })).objects
    .map((object) => object.key)
    .filter((key) => key !== image.storageKey);
  const rows = await createDb(env.DB)
    .select({ id: imageVariants.id })
    .from(imageVariants)
    .where(eq(imageVariants.imageId, image.id));
  return { objects, rows };
}

async function storePhoto(filename: string) {
  return storeImage(owner.id, {
    filename,
    bytes: makeJpeg(320, 240),
    contentType: 'image/jpeg',
    width: 320,
    height: 240,
  });
}

beforeAll(async () => {
  owner = await createUser('images-outage');
});

describe('the Images binding fails on a CDN miss', () => {
  it('throwing: a 502 JSON error, never cached, nothing stored, and the next request renders', async () => {
    const photo = await storePhoto('storm.jpg');
    const images = faulty(env.IMAGES!);
    images.fail('output');
    const url = `/cdn/${owner.slug}/${photo.albumSlug}/${photo.filename}?w=100&f=png`;
    const failed = await requestWithBindings({ IMAGES: images.binding }, url);
    expect(failed.status).toBe(502);
    expect(failed.headers.get('Cache-Control')).toBe('no-store');
    expect(failed.headers.get('Retry-After')).toBeTruthy();
    expect(await errorOf(failed)).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      message: expect.stringMatching(/image service/i),
    });
    expect(images.calls('input.transform.output')).toBe(1);
    expect(await renditionsOf(photo)).toEqual({ objects: [], rows: [] });

    // A preset miss fails the same way (the preset path renders through the same engine).
    const preset = await requestWithBindings(
      { IMAGES: images.binding },
      `/cdn/${owner.slug}/${photo.albumSlug}/${photo.filename}/w128`,
    );
    expect(preset.status).toBe(502);

    // The binding is back: the same URL renders (a miss, not an error kept in the Cache API), and is stored.
    const retried = await requestWithBindings({}, url);
    expect(retried.status).toBe(200);
    expect(retried.headers.get('X-Cache')).toBe('miss');
    expect(retried.headers.get('Content-Type')).toBe('image/png');
    const after = await renditionsOf(photo);
    expect(after.objects).toHaveLength(1);
  });

  it("the user's own broken image is still a 422, not a service error", async () => {
    // Stored as a JPEG (the upload sniffers would refuse it; rows written before them could hold one).
    const broken = await storeImage(owner.id, {
      filename: 'garbage.jpg',
      bytes: new TextEncoder().encode('this is not an image at all, only text'.repeat(20)),
      contentType: 'image/jpeg',
      width: 320,
      height: 240,
    });
    const response = await requestWithBindings(
      {},
      `/cdn/${owner.slug}/${broken.albumSlug}/${broken.filename}?w=100&f=png`,
    );
    expect(response.status).toBe(422);
    expect(await errorOf(response)).toMatchObject({ code: 'UNPROCESSABLE_IMAGE' });
    expect(await renditionsOf(broken)).toEqual({ objects: [], rows: [] });
  });

  it('hanging: the call is abandoned after the timeout with a retryable 503, and the next call renders', async () => {
    const images = faulty(env.IMAGES!);
    images.fail('output', 'hang');
    // The timeout is injected small so the test does not wait the production 15 s.
    const engine = createImagesBindingEngine(images.binding, undefined, { timeoutMs: 50 });
    const job: TransformJob = {
      source: makeJpeg(64, 48),
      sourceType: 'image/jpeg',
      sourceSize: { width: 64, height: 48 },
      sourceAnimated: false,
      transform: resolveTransform({ width: 32, format: 'png' }),
      output: 'png',
    };
    const error = await engine.transform(job).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
    expect((error as AppError).headers).toMatchObject({ 'Cache-Control': 'no-store' });
    images.release();
    // The next call (with the production timeout: a loaded machine's real binding may take longer than 50 ms).
    const out = await createImagesBindingEngine(images.binding).transform(job);
    expect(out).toMatchObject({ width: 32, contentType: 'image/png' });
  });
});
