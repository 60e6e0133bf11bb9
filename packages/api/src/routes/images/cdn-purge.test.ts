import { createDb, images } from '@pixelflare/database';
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { authed, call, createUser, type TestUser } from '../../../test/helpers';
import {
  cdnUrlsOf,
  expectFreshAnswers,
  expectStatus,
  urlsUnder,
  warmCdnCache,
} from '../../../test/fixtures/cdn-warm';
import { createAlbum } from '../../../test/fixtures/album-helpers';
import { fixture } from '../../../test/fixtures/fixtures.generated';
import { upload, uploadForm } from '../../../test/fixtures/upload-helpers';
import { handleScheduled } from '../../jobs/scheduled';
import { fillCdnCache } from '../../services/variants/cache-fill';
import { matchCdnCache, type CdnCacheEntry } from '../../services/variants/cdn-cache';
import { findCdnImage } from '../../services/variants/lookup';

interface UploadedImage {
  id: string;
  short_id: string;
}

const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

/** Uploads an image (into `album` when given) and warms the cache for both URL forms. */
async function uploadAndWarm(owner: TestUser, filename: string, album?: string, bytes = fixture('tiny.png')) {
  const response = await upload(owner, uploadForm(bytes, filename, album ? { album } : {}));
  expect(response.status).toBe(201);
  const image = (await response.json()) as UploadedImage;
  const urls = cdnUrlsOf({
    ownerSlug: owner.slug,
    album: album ?? 'default',
    filename,
    shortId: image.short_id,
  });
  await warmCdnCache(urls.all);
  return { image, urls, all: urls.all };
}

async function runCron(cron: string) {
  const ctx = createExecutionContext();
  await handleScheduled(createScheduledController({ cron, scheduledTime: Date.now() }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe('every change that hides or moves an image reaches the CDN cache at once', () => {
  it('trashing an image makes every URL 404, even ones already cached', async () => {
    const owner = await createUser('purge-trash');
    const { image, all } = await uploadAndWarm(owner, 'gone.png');
    expect((await call(`/v1/images/${image.id}`, authed(owner.key, { method: 'DELETE' }))).status).toBe(204);
    await expectStatus(all, 404);
  });

  it('deleting an album with its images makes their cached URLs 404', async () => {
    const owner = await createUser('purge-album');
    await createAlbum(owner, 'trip');
    const first = await uploadAndWarm(owner, 'first.png', 'trip');
    const second = await uploadAndWarm(owner, 'second.webp', 'trip', fixture('tiny.webp'));
    const deleted = await call('/v1/albums/trip?delete_images=true', authed(owner.key, { method: 'DELETE' }));
    expect(deleted.status).toBe(204);
    await expectStatus([...first.all, ...second.all], 404);
  });

  it('a bulk delete makes every URL of every image it trashed 404', async () => {
    const owner = await createUser('purge-bulk');
    const one = await uploadAndWarm(owner, 'one.png');
    const response = await call(
      '/v1/images/bulk',
      authed(owner.key, json('POST', { action: 'delete', ids: [one.image.short_id] })),
    );
    expect(response.status).toBe(200);
    await expectStatus(one.all, 404);
  });

  it('a bulk move makes the old path 404; the short URL answers afresh', async () => {
    const owner = await createUser('purge-bulk-move');
    await createAlbum(owner, 'elsewhere');
    const { image, urls } = await uploadAndWarm(owner, 'moving.png');
    const response = await call(
      '/v1/images/bulk',
      authed(owner.key, json('POST', { action: 'move', ids: [image.id], album: 'elsewhere' })),
    );
    expect(response.status).toBe(200);
    await expectStatus(urls.path, 404);
    await expectFreshAnswers(urlsUnder(`/cdn/${owner.slug}/elsewhere/moving.png`));
    await expectFreshAnswers(urls.short);
  });

  it('renaming makes the old path 404 while the new one and the short URL work', async () => {
    const owner = await createUser('purge-rename');
    const { image, urls } = await uploadAndWarm(owner, 'moved.png');
    const renamed = await call(
      `/v1/images/${image.id}`,
      authed(owner.key, json('PATCH', { filename: 'renamed.png' })),
    );
    expect(renamed.status).toBe(200);
    await expectStatus(urls.path, 404);
    await expectFreshAnswers(urlsUnder(`/cdn/${owner.slug}/default/renamed.png`));
    await expectFreshAnswers(urls.short);
  });

  it('making an image private makes every unsigned URL 403, even ones already cached', async () => {
    const owner = await createUser('purge-private');
    const { image, all } = await uploadAndWarm(owner, 'secret.png');
    const hidden = await call(
      `/v1/images/${image.id}`,
      authed(owner.key, json('PATCH', { is_private: true })),
    );
    expect(hidden.status).toBe(200);
    await expectStatus(all, 403);
  });

  it('a permanent delete makes every URL 404', async () => {
    const owner = await createUser('purge-permanent');
    const { image, all } = await uploadAndWarm(owner, 'forever.png');
    const deleted = await call(
      `/v1/images/${image.id}?permanent=true`,
      authed(owner.key, { method: 'DELETE' }),
    );
    expect(deleted.status).toBe(204);
    await expectStatus(all, 404);
  });

  it('the 01:00 cleanup purges the cached answers of the expired trash it deletes', async () => {
    const owner = await createUser('purge-cron');
    const { image, all } = await uploadAndWarm(owner, 'expired.png');
    // Trashed 31 days ago, before trashing purged the cache: its answers are still cached (as were those of
    // albums deleted with their images before that fix).
    await createDb(env.DB)
      .update(images)
      .set({ deletedAt: new Date(Date.now() - 31 * 24 * 3600 * 1000) })
      .where(eq(images.id, image.id));
    await runCron('0 1 * * *');
    expect(await createDb(env.DB).select().from(images).where(eq(images.id, image.id))).toEqual([]);
    await expectStatus(all, 404);
  });

  it('an answer made before a purge and filed after it is taken out again; one made after stays', async () => {
    const owner = await createUser('purge-race');
    const db = createDb(env.DB);
    const entriesOf = (filename: string): CdnCacheEntry[] => {
      const address = { kind: 'path' as const, owner: owner.slug, album: 'default', filename };
      return [
        { image: address, query: '', accept: null },
        { image: address, variant: 'thumb', query: '', accept: 'webp' },
        { image: address, query: 'w=40', accept: 'other' },
      ];
    };
    const answer = (body: string) =>
      new Response(body, { headers: { 'Cache-Control': 'public, max-age=3600' } });
    const uploaded = async (filename: string) => {
      expect((await upload(owner, uploadForm(fixture('tiny.png'), filename))).status).toBe(201);
      const [entry] = entriesOf(filename);
      const row = await findCdnImage(db, entry!.image);
      expect(row).not.toBeNull();
      return row!;
    };
    // The row as a request read it just before the image was trashed; its answer is filed after the purge ran.
    const stale = await uploaded('late.png');
    expect((await call(`/v1/images/${stale.id}`, authed(owner.key, { method: 'DELETE' }))).status).toBe(204);
    for (const entry of entriesOf('late.png')) {
      await fillCdnCache(db, caches.default, entry, answer('old bytes'), stale);
      expect(await matchCdnCache(caches.default, entry)).toBeUndefined();
    }
    const kept = await uploaded('kept.png');
    for (const entry of entriesOf('kept.png')) {
      await fillCdnCache(db, caches.default, entry, answer('fresh bytes'), kept);
      expect(await (await matchCdnCache(caches.default, entry))?.text()).toBe('fresh bytes');
    }
  });
});
