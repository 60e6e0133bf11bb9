import { INGEST_MEMORY_LIMIT_BYTES, MB, TWO_STEP_STAGING_PREFIX } from '@pixelflare/config';
import { createDb, images, users } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { faulty, requestWithBindings } from '../../test/fixtures/faults';
import { fixture } from '../../test/fixtures/fixtures.generated';
import { largeJpeg } from '../../test/fixtures/large-files';
import { b64 } from '../../test/fixtures/tus-helpers';
import { uploadForm } from '../../test/fixtures/upload-helpers';
import { authed, call, createUser, errorOf, type TestUser } from '../../test/helpers';

/** Above the in-memory limit: the two-step body is staged in R2, tus is ingested from R2 on the bounded path. */
const LARGE = INGEST_MEMORY_LIMIT_BYTES + 2 * MB;
const TUS_CHUNK = 10 * MB;

const db = () => createDb(env.DB);
const objectsOf = async (user: TestUser) =>
  (await env.IMAGES_BUCKET.list({ prefix: `${user.id}/` })).objects.map((object) => object.key);
const rowsOf = (user: TestUser) => db().select().from(images).where(eq(images.ownerId, user.id));
const countersOf = async (user: TestUser) => {
  const [row] = await db()
    .select({ imageCount: users.imageCount, storageBytes: users.storageBytes })
    .from(users)
    .where(eq(users.id, user.id));
  return row;
};

/** Nothing of a failed upload is left: no row (pending or ready), no object, the quota counters as before. */
async function expectNothingStored(user: TestUser) {
  expect(await rowsOf(user)).toEqual([]);
  expect(await objectsOf(user)).toEqual([]);
  expect(await countersOf(user)).toEqual({ imageCount: 0, storageBytes: 0 });
}

async function expectStorageUnavailable(response: Response) {
  expect(response.status).toBe(503);
  expect(await errorOf(response)).toMatchObject({
    code: 'SERVICE_UNAVAILABLE',
    message: expect.stringMatching(/storage/i),
  });
}

/** A two-step upload's URL path (step one, against the real bindings). */
async function startTwoStep(user: TestUser, filename: string): Promise<string> {
  const response = await call(
    '/v1/images',
    authed(user.key, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ filename }),
    }),
  );
  expect(response.status).toBe(201);
  const { upload_url } = (await response.json()) as { upload_url: string };
  return new URL(upload_url).pathname + new URL(upload_url).search;
}

/** A whole tus upload through the app with `bindings` replaced; returns the last PATCH's response. */
async function tusUpload(
  bindings: Parameters<typeof requestWithBindings>[0],
  user: TestUser,
  file: Uint8Array,
  filename: string,
): Promise<Response> {
  const tusInit = (init: RequestInit & { headers: Record<string, string> }) =>
    authed(user.key, { ...init, headers: { 'Tus-Resumable': '1.0.0', ...init.headers } });
  const created = await requestWithBindings(
    bindings,
    '/v1/uploads/tus',
    tusInit({
      method: 'POST',
      headers: { 'Upload-Length': String(file.length), 'Upload-Metadata': `filename ${b64(filename)}` },
    }),
  );
  expect(created.status).toBe(201);
  const path = new URL(created.headers.get('Location')!).pathname;
  let response: Response | undefined;
  for (let offset = 0; offset < file.length; offset += TUS_CHUNK) {
    response = await requestWithBindings(
      bindings,
      path,
      tusInit({
        method: 'PATCH',
        headers: { 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' },
        body: file.subarray(offset, offset + TUS_CHUNK),
      }),
    );
    if (response.status !== 204) return response;
  }
  return response!;
}

describe('R2 put fails during an upload', () => {
  it('one-shot: 503 naming storage, nothing stored', async () => {
    const user = await createUser('fault-oneshot');
    const bucket = faulty(env.IMAGES_BUCKET);
    bucket.fail('put');
    const response = await requestWithBindings(
      { IMAGES_BUCKET: bucket.binding },
      '/v1/upload',
      authed(user.key, { method: 'POST', body: uploadForm(fixture('photo-gps.jpg'), 'photo.jpg') }),
    );
    await expectStorageUnavailable(response);
    expect(bucket.calls('put')).toBe(1);
    await expectNothingStored(user);
  });

  it('two-step (in memory): 503, the pending row removed, nothing stored', async () => {
    const user = await createUser('fault-twostep');
    const path = await startTwoStep(user, 'photo.jpg');
    const bucket = faulty(env.IMAGES_BUCKET);
    bucket.fail('put');
    const response = await requestWithBindings({ IMAGES_BUCKET: bucket.binding }, path, {
      method: 'PUT',
      body: fixture('photo-gps.jpg'),
    });
    await expectStorageUnavailable(response);
    await expectNothingStored(user);
  });

  it.each([
    ['staging the body', (key: string) => key.startsWith(TWO_STEP_STAGING_PREFIX)],
    ['writing the original from the staged body', (key: string) => !key.startsWith(TWO_STEP_STAGING_PREFIX)],
  ])(
    'two-step (large, staged in R2), failing while %s: 503, nothing stored or staged',
    async (_, failing) => {
      const user = await createUser(`fault-twostep-large-${failing('x') ? 'final' : 'stage'}`);
      const path = await startTwoStep(user, 'large.jpg');
      const file = largeJpeg(LARGE);
      const bucket = faulty(env.IMAGES_BUCKET);
      bucket.fail('put', 'throw', { when: ([key]) => failing(String(key)) });
      const response = await requestWithBindings({ IMAGES_BUCKET: bucket.binding }, path, {
        method: 'PUT',
        headers: { 'Content-Length': String(file.length) },
        body: file,
      });
      await expectStorageUnavailable(response);
      await expectNothingStored(user);
      const staged = await env.IMAGES_BUCKET.list({ prefix: TWO_STEP_STAGING_PREFIX });
      expect(staged.objects.filter((object) => object.key.includes(path.split('/')[3]!))).toEqual([]);
    },
  );

  it.each([
    ['in memory', () => fixture('photo-gps.jpg')],
    ['large, from R2', () => largeJpeg(LARGE)],
  ])('tus (%s), failing the original write: 503 with the tus header, nothing stored', async (name, file) => {
    const user = await createUser(`fault-tus-${name.split(',')[0]!.replace(' ', '-')}`);
    const bucket = faulty(env.IMAGES_BUCKET);
    // Only the Worker's ingest write: the upload's parts go through its Durable Object's own binding.
    bucket.fail('put');
    const response = await tusUpload({ IMAGES_BUCKET: bucket.binding }, user, file(), 'photo.jpg');
    expect(response.headers.get('Tus-Resumable')).toBe('1.0.0');
    await expectStorageUnavailable(response);
    expect(bucket.calls('put')).toBeGreaterThan(0);
    await expectNothingStored(user);
  });
});

describe('the D1 batch fails after the R2 write', () => {
  it('removes the object again and answers 503; nothing counted', async () => {
    const user = await createUser('fault-batch');
    const database = faulty(env.DB);
    database.fail('batch');
    const response = await requestWithBindings(
      { DB: database.binding },
      '/v1/upload',
      authed(user.key, { method: 'POST', body: uploadForm(fixture('photo-gps.jpg'), 'photo.jpg') }),
    );
    expect(response.status).toBe(503);
    expect(await errorOf(response)).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    await expectNothingStored(user);
  });
});
