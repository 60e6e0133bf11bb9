import { createDb, images } from '@pixelflare/database';
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { largePng } from '../../test/fixtures/large-files';
import { create, patch, tus } from '../../test/fixtures/tus-helpers';
import { call, createUser } from '../../test/helpers';
import { TUS_PART_SIZE, type UploadSession } from '../durable-objects/upload-session';
import { sessionOf } from '../services/uploads/tus';

/** A marker set on the live instance: a restarted object is a new instance, without it. */
const MARK = Symbol.for('pixelflare.test.instance-mark');
type Marked = UploadSession & { [MARK]?: true };

/**
 * Restarts the upload's Durable Object as the runtime does after a crash or an eviction: `abort()` resets the
 * object, dropping everything in memory (the PATCH lock, any buffer); only its storage survives.
 */
async function restartSession(uploadId: string) {
  const stub = sessionOf(env.UPLOAD_SESSIONS, uploadId);
  await runInDurableObject(stub, (instance: Marked) => {
    instance[MARK] = true;
  });
  await runInDurableObject(stub, (_instance, state) => {
    try {
      state.abort('test: restart between PATCHes');
    } catch {
      // abort() throws in the invocation that calls it; the object is reset all the same.
    }
  }).catch(() => undefined);
  // A stub that saw the reset is broken for good (as in production); a new one reaches a fresh instance.
  const restarted = await runInDurableObject(
    sessionOf(env.UPLOAD_SESSIONS, uploadId),
    (instance: Marked) => instance[MARK] !== true,
  );
  expect(restarted).toBe(true);
}

describe("a tus upload's Durable Object restarts between two PATCHes", () => {
  it('the client resumes from the offset the server reports, and the stored object is byte-identical', async () => {
    const user = await createUser('tus-restart');
    // Two parts and a tail: the first PATCH leaves one part in R2 and the rest parked as the tail.
    const file = largePng(2 * TUS_PART_SIZE + 123_457);
    const path = await create(user, file.length, `filename ${btoa('restart.png')}`);
    const uploadId = path.split('/').pop()!;
    const firstChunk = TUS_PART_SIZE + 654_321;
    expect((await patch(user, path, 0, file.subarray(0, firstChunk))).status).toBe(204);

    await restartSession(uploadId);

    // The client asks where to resume (tus HEAD), as after any lost connection.
    const head = await call(path, tus(user, { method: 'HEAD' }));
    expect(head.status).toBe(200);
    const offset = Number(head.headers.get('Upload-Offset'));
    expect(offset).toBe(firstChunk);
    // A client that guesses a different offset is told the real one (409), not silently corrupted.
    expect((await patch(user, path, offset - 1, file.subarray(offset - 1))).status).toBe(409);

    const last = await patch(user, path, offset, file.subarray(offset));
    expect(last.status).toBe(204);
    const imageId = last.headers.get('Pixelflare-Image-Id') ?? undefined;
    const [row] = await createDb(env.DB).select().from(images).where(eq(images.ownerId, user.id));
    expect(row).toBeTruthy();
    if (imageId) expect(row!.id).toBe(imageId);
    expect(row!.bytes).toBe(file.length);
    const stored = await env.IMAGES_BUCKET.get(row!.storageKey);
    const bytes = new Uint8Array(await stored!.arrayBuffer());
    expect(bytes.length).toBe(file.length);
    // Compared in one go (toEqual on 10 MB arrays prints a huge diff on failure).
    expect(bytes.every((byte, i) => byte === file[i])).toBe(true);
  });
});
