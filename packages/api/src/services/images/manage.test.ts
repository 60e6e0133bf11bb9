import { createDb, images, type Image } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createUser, type TestUser } from '../../../test/helpers';
import { cdnUrlsOf, expectStatus, warmCdnCache } from '../../../test/fixtures/cdn-warm';
import { createAlbum } from '../../../test/fixtures/album-helpers';
import { fixture } from '../../../test/fixtures/fixtures.generated';
import { upload, uploadForm } from '../../../test/fixtures/upload-helpers';
import { loadEnv } from '../../lib/env';
import { deleteAlbum } from '../albums/albums';
import { findAlbum } from '../albums/lookup';
import { bulkImageAction, purgeExpiredTrash, purgeImage, trashImage, updateImage } from './manage';
import { ownerImageView, signingDepsOf } from './resource';

// The API tests (routes/images/cdn-purge.test.ts) warm every preset; here one is enough to show that the service
// itself purges, whoever calls it (a handler, the cron, a queue job).
const VARIANTS = ['thumb'];
const db = () => createDb(env.DB);
const store = () => ({ db: db(), bucket: env.IMAGES_BUCKET, cache: caches.default });
const signing = () => signingDepsOf(env, loadEnv(env));

/** Uploads tiny.png through the API, warms its cached answers and returns its row and URLs. */
async function cachedImage(owner: TestUser, filename: string, album?: string) {
  const response = await upload(owner, uploadForm(fixture('tiny.png'), filename, album ? { album } : {}));
  expect(response.status).toBe(201);
  const { id } = (await response.json()) as { id: string };
  const [row] = await db().select().from(images).where(eq(images.id, id));
  const urls = cdnUrlsOf(
    { ownerSlug: owner.slug, album: album ?? 'default', filename, shortId: row!.shortId },
    VARIANTS,
  );
  await warmCdnCache(urls.all);
  const view = await ownerImageView(db(), owner.id, signing());
  return { row: row as Image, urls, view };
}

describe('the image services purge the CDN cache themselves', () => {
  it('trashImage', async () => {
    const owner = await createUser('svc-trash');
    const { row, urls, view } = await cachedImage(owner, 'a.png');
    await trashImage(store(), row, view);
    await expectStatus(urls.all, 404);
  });

  it('purgeImage', async () => {
    const owner = await createUser('svc-purge');
    const { row, urls, view } = await cachedImage(owner, 'a.png');
    expect(await purgeImage(store(), row, view)).toBe(true);
    await expectStatus(urls.all, 404);
  });

  it('updateImage: a rename purges the old path, making it private purges both forms', async () => {
    const owner = await createUser('svc-update');
    const renamed = await cachedImage(owner, 'old.png');
    await updateImage(store(), renamed.row, { filename: 'new.png' }, renamed.view);
    await expectStatus(renamed.urls.path, 404);

    const [current] = await db().select().from(images).where(eq(images.id, renamed.row.id));
    const urls = cdnUrlsOf(
      { ownerSlug: owner.slug, album: 'default', filename: 'new.png', shortId: current!.shortId },
      VARIANTS,
    );
    await warmCdnCache(urls.all);
    await updateImage(store(), current!, { is_private: true }, renamed.view);
    await expectStatus(urls.all, 403);
  });

  it('bulkImageAction: delete and move', async () => {
    const owner = await createUser('svc-bulk');
    await createAlbum(owner, 'there');
    const moved = await cachedImage(owner, 'moved.png');
    await bulkImageAction(store(), moved.view, { action: 'move', ids: [moved.row.id], album: 'there' });
    await expectStatus(moved.urls.path, 404);
    await bulkImageAction(store(), moved.view, { action: 'delete', ids: [moved.row.id] });
    await expectStatus(moved.urls.short, 404);
  });

  it('deleteAlbum with its images', async () => {
    const owner = await createUser('svc-album');
    await createAlbum(owner, 'trip');
    const { urls, view } = await cachedImage(owner, 'a.png', 'trip');
    const album = await findAlbum(db(), owner.id, 'trip');
    await deleteAlbum(store(), album, true, { ...view, now: Date.now() });
    await expectStatus(urls.all, 404);
  });

  it('purgeExpiredTrash', async () => {
    const owner = await createUser('svc-cron');
    const { row, urls } = await cachedImage(owner, 'a.png');
    await db()
      .update(images)
      .set({ deletedAt: new Date(Date.now() - 31 * 24 * 3600 * 1000) })
      .where(eq(images.id, row.id));
    expect(await purgeExpiredTrash(store(), new Date(), { signing: signing() })).toBe(1);
    await expectStatus(urls.all, 404);
  });
});
