import { createDb, images, users } from '@pixelflare/database';
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { faulty, requestWithBindings, type FaultyBinding } from '../../test/fixtures/faults';
import { largePng } from '../../test/fixtures/large-files';
import { create, patch, tus } from '../../test/fixtures/tus-helpers';
import { call, createUser, errorOf, type TestUser } from '../../test/helpers';
import { TUS_PART_SIZE, type TusUploadState, type UploadSession } from '../durable-objects/upload-session';
import type { Bindings } from '../lib/env';
import { sessionOf } from '../services/uploads/tus';

/**
 * R2 refusing a tus upload's parts. The parts are written by the upload's Durable Object through its own
 * binding, so the fault goes into that object: its `env.IMAGES_BUCKET` is swapped for a faulty wrapper of the
 * real local bucket (the instance lives as long as the test; nothing restarts it).
 */
async function faultyBucketInSession(uploadId: string): Promise<FaultyBinding<R2Bucket>> {
  const bucket = faulty(env.IMAGES_BUCKET);
  await runInDurableObject(sessionOf(env.UPLOAD_SESSIONS, uploadId), (instance: UploadSession) => {
    const held = instance as unknown as { env: Bindings };
    held.env = { ...held.env, IMAGES_BUCKET: bucket.binding };
  });
  return bucket;
}

/**
 * The upload sessions namespace, with every object it hands out using `bucket` (swapped in before each call):
 * for faults on an upload whose id the test cannot know in advance (its creation). `opened`: the upload ids.
 */
function sessionsWithBucket(bucket: FaultyBinding<R2Bucket>) {
  const real = env.UPLOAD_SESSIONS;
  const opened: string[] = [];
  const names = new Map<string, string>();
  const namespace = {
    idFromName(name: string) {
      const id = real.idFromName(name);
      names.set(id.toString(), name);
      return id;
    },
    get(id: DurableObjectId) {
      const stub = real.get(id) as unknown as DurableObjectStub<UploadSession>;
      opened.push(names.get(id.toString()) ?? id.toString());
      return new Proxy(stub, {
        get(target, property) {
          const value = Reflect.get(target, property) as unknown;
          if (typeof value !== 'function') return value;
          return async (...args: unknown[]) => {
            await runInDurableObject(stub, (instance: UploadSession) => {
              const held = instance as unknown as { env: Bindings };
              held.env = { ...held.env, IMAGES_BUCKET: bucket.binding };
            });
            // Reflect.apply: a stub's method answers any property (`apply` too) as another RPC method.
            return Reflect.apply(value, target, args) as unknown;
          };
        },
      });
    },
  } as unknown as DurableObjectNamespace;
  return { namespace, opened };
}

const sessionState = (uploadId: string) =>
  runInDurableObject(sessionOf(env.UPLOAD_SESSIONS, uploadId), (_instance, state) =>
    state.storage.get<TusUploadState>('state'),
  );

const db = () => createDb(env.DB);
const objectsOf = async (user: TestUser) =>
  (await env.IMAGES_BUCKET.list({ prefix: `${user.id}/` })).objects.map((object) => object.key);

/**
 * No image row, no object under the owner's prefix (parts in an open multipart upload are not objects), the
 * quota counters untouched. `parked`: an open upload's parked tail, which may be there (its bytes are part of
 * the offset the server reports).
 */
async function expectNothingStored(user: TestUser, parked?: string) {
  expect(await db().select().from(images).where(eq(images.ownerId, user.id))).toEqual([]);
  expect((await objectsOf(user)).filter((key) => key !== parked)).toEqual([]);
  const [counters] = await db()
    .select({ imageCount: users.imageCount, storageBytes: users.storageBytes })
    .from(users)
    .where(eq(users.id, user.id));
  expect(counters).toEqual({ imageCount: 0, storageBytes: 0 });
}

async function expectStorageUnavailable(response: Response, stored: number) {
  expect(response.status).toBe(503);
  expect(response.headers.get('Tus-Resumable')).toBe('1.0.0');
  expect(response.headers.get('Retry-After')).toBeTruthy();
  expect(response.headers.get('Upload-Offset')).toBe(String(stored));
  expect(await errorOf(response)).toMatchObject({
    code: 'SERVICE_UNAVAILABLE',
    message: expect.stringMatching(/storage/i),
  });
}

/** Where the server says to resume (tus HEAD), as a client asks after any failed PATCH. */
async function offsetOf(user: TestUser, path: string): Promise<number> {
  const head = await call(path, tus(user, { method: 'HEAD' }));
  expect(head.status).toBe(200);
  return Number(head.headers.get('Upload-Offset'));
}

/** The rest of the file from the offset the server reports; the stored original must be the file, byte for byte. */
async function resumeAndCheck(user: TestUser, path: string, file: Uint8Array) {
  const offset = await offsetOf(user, path);
  const last = await patch(user, path, offset, file.subarray(offset));
  expect(last.status).toBe(204);
  const [row] = await db().select().from(images).where(eq(images.ownerId, user.id));
  expect(row?.id).toBe(last.headers.get('Pixelflare-Image-Id'));
  expect(row!.bytes).toBe(file.length);
  const stored = new Uint8Array(await (await env.IMAGES_BUCKET.get(row!.storageKey))!.arrayBuffer());
  expect(stored.length).toBe(file.length);
  // Compared in one go (toEqual on 15 MB arrays prints a huge diff on failure).
  expect(stored.every((byte, i) => byte === file[i])).toBe(true);
  // Only the original is left: no parked tail.
  expect(await objectsOf(user)).toEqual([row!.storageKey]);
  const [counters] = await db()
    .select({ imageCount: users.imageCount, storageBytes: users.storageBytes })
    .from(users)
    .where(eq(users.id, user.id));
  expect(counters).toEqual({ imageCount: 1, storageBytes: file.length });
}

describe("R2 refuses a tus upload's parts (the Durable Object's own binding)", () => {
  it('a part refused mid-PATCH: 503 naming storage, the parts before it kept, resumed byte-identical', async () => {
    const user = await createUser('tus-part-fault');
    // Three full parts and a tail, sent in one PATCH; R2 refuses part 2 once.
    const file = largePng(3 * TUS_PART_SIZE + 234_567);
    const path = await create(user, file.length, `filename ${btoa('parts.png')}`);
    const uploadId = path.split('/').pop()!;
    const bucket = await faultyBucketInSession(uploadId);
    bucket.fail('uploadPart', 'throw', { when: ([part]) => part === 2, times: 1 });

    const failed = await patch(user, path, 0, file);
    await expectStorageUnavailable(failed, TUS_PART_SIZE);
    expect(bucket.calls('resumeMultipartUpload.uploadPart')).toBe(2);
    await expectNothingStored(user);
    // What the object keeps is what R2 holds: part 1, no tail, not assembled.
    expect(await sessionState(uploadId)).toMatchObject({
      offset: TUS_PART_SIZE,
      tailBytes: 0,
      assembled: false,
      parts: [expect.objectContaining({ partNumber: 1 })],
    });

    await resumeAndCheck(user, path, file);
  });

  it('half the parts refused, in PATCHes that each park a tail: every retry resumes where R2 stopped', async () => {
    const user = await createUser('tus-half-parts');
    const file = largePng(4 * TUS_PART_SIZE + 98_765);
    const path = await create(user, file.length, `filename ${btoa('half.png')}`);
    const uploadId = path.split('/').pop()!;
    const bucket = await faultyBucketInSession(uploadId);
    // Every even part is refused the first time it is written.
    const refused = new Set<number>();
    bucket.fail('uploadPart', 'throw', {
      when: ([part]) => {
        const n = Number(part);
        if (n % 2 === 1 || refused.has(n)) return false;
        refused.add(n);
        return true;
      },
    });

    // A client as tus-js-client behaves: PATCHes of 3 MB (each ends mid-part, parking a tail), on any failure
    // HEAD and go on from the offset reported. Bounded: each refusal costs one extra round.
    const chunk = 3 * 1024 * 1024;
    let failures = 0;
    let last: Response | undefined;
    for (let round = 0; round < 20; round++) {
      const offset = await offsetOf(user, path);
      if (offset === file.length) break;
      last = await patch(user, path, offset, file.subarray(offset, offset + chunk));
      if (last.status === 503) {
        failures++;
        const state = (await sessionState(uploadId))!;
        await expectStorageUnavailable(last, state.offset);
        expect(await offsetOf(user, path)).toBe(state.offset);
        await expectNothingStored(user, `${state.stagingKey}.tail`);
        // Whatever the offset counts is stored: the parts, then the parked tail.
        expect(state.offset).toBe(state.parts.length * TUS_PART_SIZE + state.tailBytes);
        if (state.tailBytes > 0)
          expect((await env.IMAGES_BUCKET.head(`${state.stagingKey}.tail`))?.size).toBe(state.tailBytes);
      } else expect(last.status).toBe(204);
      if (last.headers.get('Pixelflare-Image-Id')) break;
    }
    expect(failures).toBe(2);
    expect([...refused].sort()).toEqual([2, 4]);
    const [row] = await db().select().from(images).where(eq(images.ownerId, user.id));
    expect(row?.id).toBe(last!.headers.get('Pixelflare-Image-Id'));
    const stored = new Uint8Array(await (await env.IMAGES_BUCKET.get(row!.storageKey))!.arrayBuffer());
    expect(stored.length).toBe(file.length);
    expect(stored.every((byte, i) => byte === file[i])).toBe(true);
    expect(await objectsOf(user)).toEqual([row!.storageKey]);
  });

  it('the last part or the completion refused: nothing assembled, no row; resumed byte-identical', async () => {
    const user = await createUser('tus-complete-fault');
    const file = largePng(2 * TUS_PART_SIZE + 345_678);
    const path = await create(user, file.length, `filename ${btoa('complete.png')}`);
    const uploadId = path.split('/').pop()!;
    const bucket = await faultyBucketInSession(uploadId);

    // First PATCH: part 1 stored, the rest parked as the tail.
    const first = TUS_PART_SIZE + 1_000_000;
    expect((await patch(user, path, 0, file.subarray(0, first))).status).toBe(204);
    bucket.fail('complete', 'throw', { times: 1 });
    const failed = await patch(user, path, first, file.subarray(first));
    // Part 2 (tail + new bytes) was stored before the completion failed: the client resumes after it.
    await expectStorageUnavailable(failed, 2 * TUS_PART_SIZE);
    expect(bucket.calls('resumeMultipartUpload.complete')).toBe(1);
    await expectNothingStored(user);

    await resumeAndCheck(user, path, file);
  });

  it('a client that gives up after a refusal: termination aborts the multipart upload, nothing is left', async () => {
    const user = await createUser('tus-part-abandon');
    const file = largePng(2 * TUS_PART_SIZE + 4_321);
    const path = await create(user, file.length, `filename ${btoa('abandon.png')}`);
    const uploadId = path.split('/').pop()!;
    const bucket = await faultyBucketInSession(uploadId);
    bucket.fail('uploadPart', 'throw', { when: ([part]) => part === 2 });

    await expectStorageUnavailable(await patch(user, path, 0, file), TUS_PART_SIZE);
    const { stagingKey, multipartUploadId } = (await sessionState(uploadId))!;

    const deleted = await call(path, tus(user, { method: 'DELETE' }));
    expect(deleted.status).toBe(204);
    await expectNothingStored(user);
    // The multipart upload is aborted: its stored part can no longer be completed into an object.
    const orphan = env.IMAGES_BUCKET.resumeMultipartUpload(stagingKey, multipartUploadId);
    await expect(orphan.complete([{ partNumber: 1, etag: 'stored-before-the-refusal' }])).rejects.toThrow();
    expect(await objectsOf(user)).toEqual([]);
    expect(await sessionState(uploadId)).toBeUndefined();
  });

  it('R2 refusing to start the multipart upload: the creation is a 503 and no upload is opened', async () => {
    const user = await createUser('tus-create-fault');
    const bucket = faulty(env.IMAGES_BUCKET);
    bucket.fail('createMultipartUpload');
    const sessions = sessionsWithBucket(bucket);
    const response = await requestWithBindings(
      { UPLOAD_SESSIONS: sessions.namespace },
      '/v1/uploads/tus',
      tus(user, {
        method: 'POST',
        headers: { 'Upload-Length': '1000', 'Upload-Metadata': `filename ${btoa('never.png')}` },
      }),
    );
    await expectStorageUnavailable(response, 0);
    expect(response.headers.get('Location')).toBeNull();
    expect(bucket.calls('createMultipartUpload')).toBe(1);
    expect(sessions.opened).toHaveLength(1);
    expect(await sessionState(sessions.opened[0]!)).toBeUndefined();
    await expectNothingStored(user);
  });
});
