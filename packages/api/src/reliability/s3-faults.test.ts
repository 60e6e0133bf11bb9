import { createDb, images, users } from '@pixelflare/database';
import type { AwsClient } from 'aws4fetch';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { faulty, requestWithBindings, type FaultyBinding } from '../../test/fixtures/faults';
import { fixture } from '../../test/fixtures/fixtures.generated';
import { BASE, createUser, type TestUser } from '../../test/helpers';
import { createS3Key, s3ClientOf } from '../../test/fixtures/s3-keys';

/** R2 failing under the S3 endpoint's uploads (PutObject, multipart): S3's 503, nothing kept, a retry works. */

const clientFor = async (user: TestUser) => s3ClientOf(await createS3Key(user));

/** A signed S3 request through the whole app, with the R2 bucket replaced by `bucket` (or the real one). */
async function s3(
  client: AwsClient,
  path: string,
  init: RequestInit,
  bucket?: FaultyBinding<R2Bucket>,
): Promise<Response> {
  // A part's length must be declared (streamed bodies have none of their own here).
  const length: Record<string, string> =
    init.body instanceof Uint8Array ? { 'Content-Length': String(init.body.length) } : {};
  const signed = await client.sign(`${BASE}/s3${path}`, { ...init, headers: length });
  const url = new URL(signed.url);
  return requestWithBindings(bucket ? { IMAGES_BUCKET: bucket.binding } : {}, url.pathname + url.search, {
    method: signed.method,
    headers: signed.headers,
    // The bytes that were signed (the signature covers their hash, not the stream).
    body: init.body,
  });
}

async function expectServiceUnavailable(response: Response) {
  expect(response.status).toBe(503);
  expect(response.headers.get('Content-Type')).toBe('application/xml');
  expect(await response.text()).toMatch(/<Code>ServiceUnavailable<\/Code>/);
}

const db = () => createDb(env.DB);
async function expectNothingStored(user: TestUser) {
  expect(await db().select().from(images).where(eq(images.ownerId, user.id))).toEqual([]);
  expect((await env.IMAGES_BUCKET.list({ prefix: `${user.id}/` })).objects).toEqual([]);
  expect((await env.IMAGES_BUCKET.list({ prefix: `s3-multipart/${user.id}/` })).objects).toEqual([]);
  const [counters] = await db()
    .select({ imageCount: users.imageCount, storageBytes: users.storageBytes })
    .from(users)
    .where(eq(users.id, user.id));
  expect(counters).toEqual({ imageCount: 0, storageBytes: 0 });
}

describe('R2 fails under an S3 upload', () => {
  it('PutObject: 503 ServiceUnavailable, nothing stored; the retry stores it', async () => {
    const user = await createUser('s3-fault-put');
    const client = await clientFor(user);
    const bucket = faulty(env.IMAGES_BUCKET);
    bucket.fail('put');
    const body = fixture('photo-gps.jpg');
    await expectServiceUnavailable(
      await s3(client, '/s3-fault-put/photo.jpg', { method: 'PUT', body }, bucket),
    );
    expect(bucket.calls('put')).toBeGreaterThan(0);
    await expectNothingStored(user);

    const retry = await s3(client, '/s3-fault-put/photo.jpg', { method: 'PUT', body });
    expect(retry.status).toBe(200);
    expect(await db().select().from(images).where(eq(images.ownerId, user.id))).toHaveLength(1);
  });

  it('a multipart part or the opening refused: 503 ServiceUnavailable (was 500); the part retried completes', async () => {
    const user = await createUser('s3-fault-part');
    const client = await clientFor(user);
    const bucket = faulty(env.IMAGES_BUCKET);
    bucket.fail('createMultipartUpload', 'throw', { times: 1 });
    await expectServiceUnavailable(
      await s3(client, '/s3-fault-part/a.jpg?uploads', { method: 'POST' }, bucket),
    );

    const created = await s3(client, '/s3-fault-part/a.jpg?uploads', { method: 'POST' });
    expect(created.status).toBe(200);
    const uploadId = encodeURIComponent(/<UploadId>([^<]+)</.exec(await created.text())![1]!);
    const body = fixture('stripe.jpg');
    bucket.fail('uploadPart', 'throw', { times: 1 });
    const partPath = `/s3-fault-part/a.jpg?partNumber=1&uploadId=${uploadId}`;
    await expectServiceUnavailable(await s3(client, partPath, { method: 'PUT', body }, bucket));
    expect(bucket.calls('resumeMultipartUpload.uploadPart')).toBe(1);
    await expectNothingStored(user);

    // An S3 client retries the part (the refusal was spent), then completes.
    const part = await s3(client, partPath, { method: 'PUT', body }, bucket);
    expect(part.status).toBe(200);
    const complete = await s3(client, `/s3-fault-part/a.jpg?uploadId=${uploadId}`, {
      method: 'POST',
      body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${part.headers.get('ETag')}</ETag></Part></CompleteMultipartUpload>`,
    });
    expect(complete.status).toBe(200);
    expect(await db().select().from(images).where(eq(images.ownerId, user.id))).toHaveLength(1);
  });
});
