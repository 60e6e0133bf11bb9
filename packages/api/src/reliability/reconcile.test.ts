import { RECONCILE_LIMITS } from '@pixelflare/config';
import { createDb, images } from '@pixelflare/database';
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { faulty, requestWithBindings } from '../../test/fixtures/faults';
import { fixture } from '../../test/fixtures/fixtures.generated';
import { upload, uploadForm } from '../../test/fixtures/upload-helpers';
import { authed, call, createUser, errorOf, type TestUser } from '../../test/helpers';
import { newId } from '../lib/ids';
import { createLogger } from '../lib/logger';
import { handleScheduled } from '../jobs/scheduled';
import { ORPHAN_RECORD_PREFIX } from '../services/reconcile/orphans';
import { RECONCILE_CURSOR_KEY, reconcileStorage } from '../services/reconcile/reconcile';

const db = () => createDb(env.DB);
const HOUR = 3_600_000;
/** Past the orphan grace period, as seen by a run scheduled that far ahead. */
const afterGrace = () => new Date(Date.now() + RECONCILE_LIMITS.orphanGraceSeconds * 1000 + HOUR);

const objectsOf = async (user: TestUser) =>
  (await env.IMAGES_BUCKET.list({ prefix: `${user.id}/` })).objects.map((object) => object.key);

async function runCleanup(scheduledTime = Date.now()) {
  const ctx = createExecutionContext();
  await handleScheduled(createScheduledController({ cron: '0 1 * * *', scheduledTime }), env, ctx);
  await waitOnExecutionContext(ctx);
}

/** An object as a crashed upload leaves it: under an image folder no row names. */
async function strayObject(user: TestUser, name = 'original.png'): Promise<string> {
  const key = `${user.id}/default/${newId('img')}/${name}`;
  await env.IMAGES_BUCKET.put(key, fixture('tiny.png'));
  return key;
}

async function uploaded(user: TestUser, name: 'tiny.png' | 'stripe.jpg' = 'tiny.png') {
  const response = await upload(user, uploadForm(fixture(name), name));
  expect(response.status).toBe(201);
  const image = (await response.json()) as { id: string; urls: { short: string } };
  return { id: image.id, cdnPath: new URL(image.urls.short).pathname };
}

const deps = () => ({
  db: db(),
  bucket: env.IMAGES_BUCKET,
  kv: env.KV,
  logger: createLogger({ test: 'reconcile' }),
});

beforeEach(async () => {
  await env.KV.delete(RECONCILE_CURSOR_KEY);
});

describe('the D1 batch fails after the R2 write and removing the object fails too', () => {
  it('leaves a record that the 01:00 cleanup reconciles: the object is deleted, the record gone', async () => {
    const user = await createUser('reconcile-record');
    const database = faulty(env.DB);
    database.fail('batch');
    const bucket = faulty(env.IMAGES_BUCKET);
    bucket.fail('delete');
    const response = await requestWithBindings(
      { DB: database.binding, IMAGES_BUCKET: bucket.binding },
      '/v1/upload',
      authed(user.key, { method: 'POST', body: uploadForm(fixture('photo-gps.jpg'), 'photo.jpg') }),
    );
    expect(response.status).toBe(503);
    expect(await errorOf(response)).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    const [left] = await objectsOf(user);
    expect(left).toBeDefined();
    expect(await env.KV.get(ORPHAN_RECORD_PREFIX + left!, 'json')).toMatchObject({
      key: left,
      ownerId: user.id,
    });

    // Recorded objects need no grace period: their upload is over.
    await runCleanup();
    expect(await objectsOf(user)).toEqual([]);
    expect(await env.KV.get(ORPHAN_RECORD_PREFIX + left!)).toBeNull();
  });
});

describe('reconciliation sweep (01:00 cleanup)', () => {
  it('deletes objects no row holds once past the grace period, never a young one or an image of a row', async () => {
    const user = await createUser('reconcile-orphans');
    const kept = await uploaded(user);
    const stray = await strayObject(user);
    const strayVariant = await strayObject(user, 'thumb.webp');

    // A moment after the write, as an upload in flight would be: untouched.
    await runCleanup();
    expect(await objectsOf(user)).toEqual(expect.arrayContaining([stray, strayVariant]));

    await runCleanup(afterGrace().getTime());
    const left = await objectsOf(user);
    expect(left).not.toContain(stray);
    expect(left).not.toContain(strayVariant);
    const [row] = await db().select().from(images).where(eq(images.id, kept.id));
    expect(left).toContain(row!.storageKey);
    expect((await call(kept.cdnPath)).status).toBe(200);
  });

  it('marks a row whose original is missing failed; the CDN answers 404 instead of failing', async () => {
    const user = await createUser('reconcile-missing');
    const image = await uploaded(user, 'stripe.jpg');
    const [row] = await db().select().from(images).where(eq(images.id, image.id));
    await env.IMAGES_BUCKET.delete(row!.storageKey);

    const before = await call(image.cdnPath);
    expect(before.status).toBeGreaterThanOrEqual(400);
    await runCleanup();
    const [after] = await db().select().from(images).where(eq(images.id, image.id));
    expect(after!.status).toBe('failed');
    const cdn = await call(image.cdnPath);
    expect(cdn.status).toBe(404);
    expect(await errorOf(cdn)).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('works in bounded pages and resumes where the last run stopped', async () => {
    const user = await createUser('reconcile-pages');
    const strays = [];
    for (let i = 0; i < 5; i++) strays.push(await strayObject(user));
    const budget = { objectPages: 1, objectPageSize: 2, rowPages: 1, rowPageSize: 2, records: 10 };
    const now = afterGrace();
    let runs = 0;
    let checked = 0;
    let complete = false;
    while (!complete) {
      const result = await reconcileStorage(deps(), now, budget);
      expect(result.objectsChecked).toBeLessThanOrEqual(2);
      expect(result.rowsChecked).toBeLessThanOrEqual(2);
      checked += result.objectsChecked;
      complete = result.objectSweepComplete;
      runs++;
      expect(runs).toBeLessThan(100);
    }
    expect(runs).toBeGreaterThan(1);
    const everything = (await env.IMAGES_BUCKET.list()).objects.length;
    // Every key was seen once, none twice: deleted keys shrink later pages, so at most what existed.
    expect(checked).toBeGreaterThanOrEqual(everything);
    expect(await objectsOf(user)).toEqual([]);
    expect(strays).toHaveLength(5);
    // The next run starts the sweep again from the top.
    expect(await env.KV.get(RECONCILE_CURSOR_KEY, 'json')).toMatchObject({});
  });
});
