import { INGEST_MEMORY_LIMIT_BYTES, MB } from '@pixelflare/config';
import { createDb, cryptoEvents, images, tenantEncryption, tenantKeys } from '@pixelflare/database';
import { PFSE_MAGIC, toBase64 } from '@pixelflare/shared';
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  downloaded,
  enableEncryption,
  rawObject,
  tokenUrl,
  uniqueJpeg,
  uploadEncrypted,
} from '../../../test/fixtures/encryption-helpers';
import { largeJpeg } from '../../../test/fixtures/large-files';
import { b64, create, patch } from '../../../test/fixtures/tus-helpers';
import { putTwoStep, startTwoStep } from '../../../test/fixtures/two-step-helpers';
import { authed, call, createUser, errorOf, type TestUser } from '../../../test/helpers';
import { runQueueBatch } from '../../../test/queue';
import { loadEnv } from '../../lib/env';
import { rewrapStep } from '../../services/encryption/rewrap';
import { rotateTenantKey } from '../../services/encryption/tenant-keys';
import { rewrapTenantKeysUnderRoot } from '../../services/encryption/root-rotation';
import { createApp } from '../../app';

const db = createDb(env.DB);
const versionsOf = async (ownerId: string) =>
  (await db.select({ key: images.wrappedKey }).from(images).where(eq(images.ownerId, ownerId)))
    .map((row) => row.key?.split('.')[0])
    .sort();
const rotate = (user: TestUser) => call('/v1/encryption/rotate', authed(user.key, { method: 'POST' }));

describe('rotating the master key', () => {
  it('new images use the new version, old ones stay readable, and the re-wrap job moves every CEK', async () => {
    const user = await createUser('rot-owner');
    await enableEncryption(user);
    const old = [];
    for (let i = 0; i < 3; i++)
      old.push(await uploadEncrypted(user, uniqueJpeg(90_000, i + 1, largeJpeg), `old-${i}.jpg`));
    const before = await Promise.all(old.map((image) => downloaded(user, image.id)));
    const objectsBefore = await Promise.all(
      old.map(async (image) =>
        rawObject((await db.select().from(images).where(eq(images.id, image.id)))[0]!.storageKey),
      ),
    );
    const oldToken = await tokenUrl(user, old[0]!.id);

    const rotated = await rotate(user);
    expect(rotated.status).toBe(202);
    expect(await rotated.json()).toMatchObject({
      current_key_version: 2,
      rewrap: { target_version: 2, done: 0 },
    });
    // A second rotation waits for the re-wrap.
    expect((await rotate(user)).status).toBe(409);
    // Tokens minted before the rotation are revoked.
    const revoked = await call(oldToken.path);
    expect(revoked.status).toBe(403);
    expect((await errorOf(revoked)).message).toContain('rotated');

    const fresh = await uploadEncrypted(user, uniqueJpeg(90_000, 99, largeJpeg), 'new.jpg');
    expect((await db.select().from(images).where(eq(images.id, fresh.id)))[0]!.wrappedKey).toMatch(/^v2\./);
    // Old images open with v1 until re-wrapped.
    expect(await downloaded(user, old[1]!.id)).toEqual(before[1]);

    // The job (the queue's own consumer may run it too: it is idempotent).
    await runQueueBatch('pixelflare-variants', [{ type: 'rewrap-keys', ownerId: user.id, targetVersion: 2 }]);
    expect(await versionsOf(user.id)).toEqual(['v2', 'v2', 'v2', 'v2']);
    const [finished] = await db.select().from(tenantEncryption).where(eq(tenantEncryption.ownerId, user.id));
    expect(finished).toMatchObject({ rewrapTarget: null, rewrapCursor: null });

    // The bytes were never re-encrypted, and every image still decrypts to what it was.
    for (let i = 0; i < old.length; i++) {
      const row = (await db.select().from(images).where(eq(images.id, old[i]!.id)))[0]!;
      expect(await rawObject(row.storageKey)).toEqual(objectsBefore[i]);
      expect(await downloaded(user, old[i]!.id)).toEqual(before[i]);
    }
    const fresher = await tokenUrl(user, old[0]!.id);
    expect((await call(fresher.path)).status).toBe(200);
    expect(
      (await db.select().from(tenantKeys).where(eq(tenantKeys.ownerId, user.id))).map((k) => k.version),
    ).toEqual([1, 2]);
    const events = await db
      .select({ event: cryptoEvents.event })
      .from(cryptoEvents)
      .where(and(eq(cryptoEvents.ownerId, user.id)));
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['key.rotated', 'key.rewrapped']));
    expect((await rotate(user)).status).toBe(202);
  });
});

describe('the re-wrap job', () => {
  it('works in batches from a saved cursor, and a step for a finished rotation does nothing', async () => {
    const user = await createUser('rot-resume');
    await enableEncryption(user);
    for (let i = 0; i < 3; i++)
      await uploadEncrypted(user, uniqueJpeg(70_000, 100 + i, largeJpeg), `r-${i}.jpg`);
    const deps = { db, config: loadEnv(env) };
    // Through the service, so no queue message races this test's own steps.
    await rotateTenantKey(deps, user.id);
    expect(await rewrapStep(deps, { ownerId: user.id, targetVersion: 2, batch: 2 })).toEqual({
      status: 'more',
      rewrapped: 2,
      failed: 0,
    });
    const [midway] = await db.select().from(tenantEncryption).where(eq(tenantEncryption.ownerId, user.id));
    expect(midway!.rewrapCursor).toBeTruthy();
    expect(await versionsOf(user.id)).toEqual(['v1', 'v2', 'v2']);
    // The same step again (a redelivery) takes the next batch, not the first.
    expect(await rewrapStep(deps, { ownerId: user.id, targetVersion: 2, batch: 2 })).toEqual({
      status: 'done',
      rewrapped: 3,
      failed: 0,
    });
    expect(await versionsOf(user.id)).toEqual(['v2', 'v2', 'v2']);
    expect(await rewrapStep(deps, { ownerId: user.id, targetVersion: 2 })).toEqual({ status: 'idle' });
    expect(await rewrapStep(deps, { ownerId: user.id, targetVersion: 1 })).toEqual({ status: 'idle' });
  });
});

describe('the re-wrap job, interrupted and repeated', () => {
  const keysOf = async (ownerId: string) =>
    Object.fromEntries(
      (
        await db
          .select({ id: images.id, key: images.wrappedKey })
          .from(images)
          .where(eq(images.ownerId, ownerId))
      ).map((row) => [row.id, row.key]),
    );
  const settingsOf = async (ownerId: string) =>
    (await db.select().from(tenantEncryption).where(eq(tenantEncryption.ownerId, ownerId)))[0]!;
  const rewrapMessage = (ownerId: string) => ({ type: 'rewrap-keys', ownerId, targetVersion: 2 });

  it('resumes a failed batch where it stopped, skips an unopenable key, and a second run changes nothing', async () => {
    const user = await createUser('rot-retry');
    await enableEncryption(user);
    const uploaded = [];
    for (let i = 0; i < 4; i++)
      uploaded.push(await uploadEncrypted(user, uniqueJpeg(70_000, 200 + i, largeJpeg), `f-${i}.jpg`));
    // The last image's stored key is tampered with: it can never be opened, and must not block the rotation.
    const broken = uploaded.at(-1)!.id;
    const [row] = await db.select().from(images).where(eq(images.id, broken));
    const tampered = `${row!.wrappedKey!.slice(0, -2)}${row!.wrappedKey!.endsWith('A') ? 'B' : 'A'}A`;
    await db.update(images).set({ wrappedKey: tampered }).where(eq(images.id, broken));
    const deps = { db, config: loadEnv(env) };
    await rotateTenantKey(deps, user.id);

    expect(await rewrapStep(deps, { ownerId: user.id, targetVersion: 2, batch: 2 })).toMatchObject({
      status: 'more',
      rewrapped: 2,
    });
    const midway = await settingsOf(user.id);
    const keysMidway = await keysOf(user.id);
    // A real D1 failure of the next batch's writes (as a crash or an outage mid-rotation would be).
    await env.DB.prepare(
      `CREATE TRIGGER fail_rewrap BEFORE UPDATE OF wrapped_key ON images WHEN OLD.owner_id = '${user.id}'
       BEGIN SELECT RAISE(ABORT, 'D1 unavailable'); END`,
    ).run();
    try {
      await expect(rewrapStep(deps, { ownerId: user.id, targetVersion: 2, batch: 2 })).rejects.toThrow();
    } finally {
      await env.DB.prepare('DROP TRIGGER fail_rewrap').run();
    }
    // Nothing of the failed batch was written: the same cursor, count and keys.
    expect(await settingsOf(user.id)).toEqual(midway);
    expect(await keysOf(user.id)).toEqual(keysMidway);

    // The retry, through the real queue consumer, takes up from the cursor and finishes.
    expect((await runQueueBatch('pixelflare-variants', [rewrapMessage(user.id)])).explicitAcks).toHaveLength(
      1,
    );
    expect(await versionsOf(user.id)).toEqual(['v1', 'v2', 'v2', 'v2']);
    expect((await keysOf(user.id))[broken]).toBe(tampered);
    const settled = await settingsOf(user.id);
    expect(settled).toMatchObject({ rewrapTarget: null, rewrapCursor: null, rewrapDone: 3 });
    const failures = await db
      .select()
      .from(cryptoEvents)
      .where(and(eq(cryptoEvents.ownerId, user.id), eq(cryptoEvents.event, 'decrypt.failed')));
    expect(failures.map((event) => event.imageId)).toEqual([broken]);
    // Old images still open (their CEKs moved, their bytes did not).
    expect((await call((await tokenUrl(user, uploaded[0]!.id)).path)).status).toBe(200);

    // Run twice: the same message again is a no-op...
    const keysAfter = await keysOf(user.id);
    expect((await runQueueBatch('pixelflare-variants', [rewrapMessage(user.id)])).explicitAcks).toHaveLength(
      1,
    );
    expect(await keysOf(user.id)).toEqual(keysAfter);
    expect(await settingsOf(user.id)).toEqual(settled);
    // ...and so is a whole second pass from the start (a replay of the rotation): no key is re-wrapped again.
    await db
      .update(tenantEncryption)
      .set({ rewrapTarget: 2, rewrapCursor: null, rewrapDone: 0 })
      .where(eq(tenantEncryption.ownerId, user.id));
    expect(await rewrapStep(deps, { ownerId: user.id, targetVersion: 2 })).toEqual({
      status: 'done',
      rewrapped: 0,
      failed: 1,
    });
    expect(await keysOf(user.id)).toEqual(keysAfter);
  });

  it('goes on as one chain, counting each key once, when one step is delivered twice at the same time', async () => {
    const user = await createUser('rot-dup');
    await enableEncryption(user);
    for (let i = 0; i < 3; i++)
      await uploadEncrypted(user, uniqueJpeg(70_000, 300 + i, largeJpeg), `d-${i}.jpg`);
    const deps = { db, config: loadEnv(env) };
    await rotateTenantKey(deps, user.id);
    const step = () => rewrapStep(deps, { ownerId: user.id, targetVersion: 2, batch: 2 });
    // Two deliveries at once. Read at the same cursor, one wins the swap and the other is superseded (and queues
    // nothing); read one after the other, the second takes the next batch. Either way one chain goes on, not two.
    const outcomes = await Promise.all([step(), step()]);
    expect(outcomes.filter((outcome) => outcome.status === 'more')).toHaveLength(1);
    for (let i = 0; i < 3 && (await settingsOf(user.id)).rewrapTarget !== null; i++) await step();
    expect(await versionsOf(user.id)).toEqual(['v2', 'v2', 'v2']);
    expect(await settingsOf(user.id)).toMatchObject({ rewrapTarget: null, rewrapDone: 3 });
  });

  it('writes the events of a step once when a stale delivery of it commits after the winner', async () => {
    const user = await createUser('rot-stale');
    await enableEncryption(user);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await uploadEncrypted(user, uniqueJpeg(70_000, 400 + i, largeJpeg), `s-${i}.jpg`)).id);
    const [row] = await db.select().from(images).where(eq(images.id, ids[0]!));
    const tampered = `${row!.wrappedKey!.slice(0, -2)}${row!.wrappedKey!.endsWith('A') ? 'B' : 'A'}A`;
    await db.update(images).set({ wrappedKey: tampered }).where(eq(images.id, ids[0]!));
    const deps = { db, config: loadEnv(env) };
    await rotateTenantKey(deps, user.id);

    // The stale delivery reads the state and prepares its batch, then is held until the other one has committed.
    let reached!: () => void;
    let release!: () => void;
    const atBatch = new Promise<void>((resolve) => (reached = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held = new Proxy(db, {
      get(target, property, receiver) {
        if (property === 'batch')
          return async (statements: Parameters<typeof db.batch>[0]) => {
            reached();
            await gate;
            return target.batch(statements);
          };
        const value = Reflect.get(target, property, receiver) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const stale = rewrapStep({ ...deps, db: held }, { ownerId: user.id, targetVersion: 2, batch: 10 });
    await atBatch;
    expect(await rewrapStep(deps, { ownerId: user.id, targetVersion: 2, batch: 10 })).toMatchObject({
      status: 'done',
      rewrapped: 2,
      failed: 1,
    });
    release();
    expect(await stale).toEqual({ status: 'superseded' });
    const events = await db.select().from(cryptoEvents).where(eq(cryptoEvents.ownerId, user.id));
    expect(events.filter((event) => event.event === 'key.rewrapped')).toHaveLength(1);
    expect(events.filter((event) => event.event === 'decrypt.failed').map((event) => event.imageId)).toEqual([
      ids[0],
    ]);
  });
});

describe('the large streamed tus path', () => {
  it('encrypts a JPEG above the in-memory limit as it streams, and decrypts it back', async () => {
    const user = await createUser('enc-tus-large');
    await enableEncryption(user);
    const file = largeJpeg(INGEST_MEMORY_LIMIT_BYTES + 2 * MB);
    const path = await create(user, file.length, `filename ${b64('huge.jpg')},encrypt ${b64('true')}`);
    let response: Response | undefined;
    const chunk = 10 * MB;
    for (let offset = 0; offset < file.length; offset += chunk) {
      response = await patch(user, path, offset, file.subarray(offset, offset + chunk));
      if (response.status !== 204) break;
    }
    expect(response!.status).toBe(204);
    const imageId = response!.headers.get('Pixelflare-Image-Id')!;
    const [row] = await db.select().from(images).where(eq(images.id, imageId));
    expect(row).toMatchObject({ isEncrypted: true });
    // Only the encrypted original is left in the image's folder (the clear assembled upload is gone).
    const keys = (await env.IMAGES_BUCKET.list({ prefix: `${user.id}/` })).objects.map(
      (object) => object.key,
    );
    expect(keys).toEqual([row!.storageKey]);
    const head = await env.IMAGES_BUCKET.get(row!.storageKey, { range: { offset: 0, length: 4 } });
    expect(new Uint8Array(await head!.arrayBuffer())).toEqual(PFSE_MAGIC);
    const clear = await downloaded(user, imageId);
    expect(clear.length).toBe(row!.bytes);
    // Image data after the header is kept byte for byte by the stripping, so it decrypts to the upload's tail.
    expect(clear.subarray(-1_000_000)).toEqual(file.subarray(-1_000_000));
    const { path: tokenPath } = await tokenUrl(user, imageId);
    const ranged = await call(tokenPath, { headers: { Range: `bytes=${clear.length - 70_000}-` } });
    expect(ranged.status).toBe(206);
    expect(new Uint8Array(await ranged.arrayBuffer())).toEqual(clear.subarray(clear.length - 70_000));
  });
});

describe('the large streamed two-step path', () => {
  it('encrypts a JPEG above the in-memory limit PUT as a stream, and decrypts it back', async () => {
    const user = await createUser('enc-two-large');
    await enableEncryption(user);
    const file = largeJpeg(INGEST_MEMORY_LIMIT_BYTES + 2 * MB);
    const step = await startTwoStep(user, { filename: 'huge.jpg', encrypt: true });
    const put = await putTwoStep(step.path, file);
    expect(put.status).toBe(201);
    const [row] = await db.select().from(images).where(eq(images.id, step.id));
    expect(row).toMatchObject({ isEncrypted: true });
    // Only the encrypted original is left in the image's folder (no clear staging copy).
    const keys = (await env.IMAGES_BUCKET.list({ prefix: `${user.id}/` })).objects.map(
      (object) => object.key,
    );
    expect(keys).toEqual([row!.storageKey]);
    const head = await env.IMAGES_BUCKET.get(row!.storageKey, { range: { offset: 0, length: 4 } });
    expect(new Uint8Array(await head!.arrayBuffer())).toEqual(PFSE_MAGIC);
    const clear = await downloaded(user, step.id);
    expect(clear.length).toBe(row!.bytes);
    expect(clear.subarray(-1_000_000)).toEqual(file.subarray(-1_000_000));
  });
});

describe('the root key', () => {
  it('is a startup error naming ENCRYPTION_ROOT_KEY once an account has encryption on', async () => {
    const user = await createUser('enc-root');
    await enableEncryption(user);
    const app = createApp();
    const ctx = { waitUntil: () => undefined, passThroughOnException: () => undefined, props: {} };
    const request = () => new Request('http://localhost:8787/v1/status');
    const missing = await app.fetch(request(), { ...env, ENCRYPTION_ROOT_KEY: undefined }, ctx as never);
    expect(missing.status).toBe(503);
    expect((await errorOf(missing)).message).toContain('ENCRYPTION_ROOT_KEY is missing');
    const malformed = await app.fetch(
      request(),
      { ...env, ENCRYPTION_ROOT_KEY: 'not-32-bytes' },
      ctx as never,
    );
    expect(malformed.status).toBe(503);
    expect((await errorOf(malformed)).message).toContain('ENCRYPTION_ROOT_KEY');
  });
});

describe('rotating the root key', () => {
  it('re-wraps every master key under the new root key after a dry run; images stay readable', async () => {
    const user = await createUser('enc-root-rotate');
    await enableEncryption(user);
    const image = await uploadEncrypted(user, uniqueJpeg(80_000, 4242, largeJpeg), 'root.jpg');
    const before = await downloaded(user, image.id);
    const oldRoot = env.ENCRYPTION_ROOT_KEY;
    const newRoot = toBase64(crypto.getRandomValues(new Uint8Array(32)));
    const config = { ENCRYPTION_ROOT_KEY: newRoot, ENCRYPTION_ROOT_KEY_PREVIOUS: oldRoot };
    const keysOf = () => db.select().from(tenantKeys).where(eq(tenantKeys.ownerId, user.id));
    const rowsBefore = await keysOf();

    const dry = await rewrapTenantKeysUnderRoot({ db, config }, { dryRun: true });
    expect(dry.rewrapped).toBeGreaterThanOrEqual(1);
    expect(dry.unreadable).toEqual([]);
    expect(await keysOf()).toEqual(rowsBefore);

    const done = await rewrapTenantKeysUnderRoot({ db, config }, { dryRun: false });
    expect(done.rewrapped).toBe(dry.rewrapped);
    const [after] = await keysOf();
    expect(after!.rootKeyId).toBe(done.rootKeyId);
    expect(after!.wrappedKey).not.toBe(rowsBefore[0]!.wrappedKey);
    expect((await rewrapTenantKeysUnderRoot({ db, config }, { dryRun: false })).rewrapped).toBe(0);

    // Served by a Worker holding only the new root key: the same bytes.
    const app = createApp();
    const ctx = { waitUntil: () => undefined, passThroughOnException: () => undefined, props: {} };
    const download = await app.fetch(
      new Request(`http://localhost:8787/v1/images/${image.id}/download`, {
        headers: { Authorization: `Bearer ${user.key}` },
      }),
      { ...env, ENCRYPTION_ROOT_KEY: newRoot },
      ctx as never,
    );
    expect(download.status).toBe(200);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(before);
    // The old root key alone no longer opens this account (other accounts are still under it).
    const stale = await rewrapTenantKeysUnderRoot(
      { db, config: { ENCRYPTION_ROOT_KEY: oldRoot } },
      { dryRun: true },
    );
    expect(stale.unreadable).toContainEqual({ ownerId: user.id, version: 1 });
    // Put back for the other tests in this file.
    await rewrapTenantKeysUnderRoot(
      { db, config: { ENCRYPTION_ROOT_KEY: oldRoot, ENCRYPTION_ROOT_KEY_PREVIOUS: newRoot } },
      { dryRun: false },
    );
  });

  it('is for administrators only', async () => {
    const user = await createUser('enc-root-user');
    const admin = await createUser('enc-root-admin', { isAdmin: true });
    const body = {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"dry_run":true}',
    };
    expect((await call('/v1/encryption/root-key/rewrap', authed(user.key, body))).status).toBe(403);
    const dry = await call('/v1/encryption/root-key/rewrap', authed(admin.key, body));
    expect(dry.status).toBe(200);
    expect(await dry.json()).toMatchObject({ dry_run: true, rewrapped: 0, unreadable: [] });
  });
});
