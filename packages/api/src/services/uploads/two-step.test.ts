import { INGEST_HEAD_BYTES, INGEST_MEMORY_LIMIT_BYTES, MB } from '@pixelflare/config';
import { createDb, images } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { largeJpeg } from '../../../test/fixtures/large-files';
import { recordingBucket } from '../../../test/fixtures/recording-bucket';
import { streamOf } from '../../../test/fixtures/two-step-helpers';
import { createUser } from '../../../test/helpers';
import { loadEnv } from '../../lib/env';
import { ingestDepsFrom } from '../ingest/ingest';
import { consumeUploadToken, createPendingUpload, ingestTwoStepBody, twoStepStagingKey } from './two-step';

const LARGE = INGEST_MEMORY_LIMIT_BYTES + 4 * MB;

async function receive(slug: string, file: Uint8Array, declaredLength: number | null) {
  const user = await createUser(slug);
  const db = createDb(env.DB);
  const pending = await createPendingUpload(db, user.id, { filename: 'big.jpg' });
  const { ownerId, metadata } = await consumeUploadToken(db, pending.id, pending.token);
  const recorder = recordingBucket(env.IMAGES_BUCKET);
  const deps = {
    ...ingestDepsFrom(db, env, loadEnv(env)),
    bucket: recorder.bucket,
  };
  const result = await ingestTwoStepBody(deps, {
    imageId: pending.id,
    ownerId,
    metadata,
    body: streamOf(file),
    declaredLength,
  });
  return { result, imageId: pending.id, ...recorder };
}

describe('ingestTwoStepBody', () => {
  it('streams a large body to its staging key, ingests it from there in bounded reads, then deletes it', async () => {
    const { result, imageId, buffered, written, streamed } = await receive(
      'two-step-svc',
      largeJpeg(LARGE),
      LARGE,
    );
    const staging = twoStepStagingKey(imageId);
    // The body went to R2 as a stream, at the staging key (not the final one), and was never held whole.
    expect(written).toEqual([staging, result.image.storageKey]);
    expect(streamed).toEqual(written);
    expect(result.image.storageKey).not.toBe(staging);
    expect(Math.max(...buffered)).toBeLessThanOrEqual(INGEST_HEAD_BYTES);
    // The pending row was completed in place.
    expect(result.image).toMatchObject({ id: imageId, status: 'ready' });
    expect(await env.IMAGES_BUCKET.head(staging)).toBeNull();
  });

  it('reads a body up to the limit whole and never stages it', async () => {
    const file = largeJpeg(2 * MB);
    const { result, written } = await receive('two-step-svc-small', file, file.length);
    expect(written).toEqual([result.image.storageKey]);
    const [row] = await createDb(env.DB).select().from(images).where(eq(images.id, result.image.id));
    expect(row).toMatchObject({ status: 'ready' });
  });
});
