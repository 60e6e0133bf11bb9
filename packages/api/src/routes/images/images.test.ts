import { createDb, images, outboxEvents, users } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { authed, call, createUser, errorOf, type TestUser } from '../../../test/helpers';
import { fixture } from '../../../test/fixtures/fixtures.generated';
import { loadEnv } from '../../lib/env';
import { purgeExpiredTrash, purgeImage, restoreImage, trashImage } from '../../services/images/manage';
import { ownerImageView, signingDepsOf } from '../../services/images/resource';
import { upload, uploadForm } from '../../../test/fixtures/upload-helpers';

interface ImageBody {
  id: string;
  short_id: string;
  filename: string;
  tags: string[];
  favourite: boolean;
  title: string | null;
  deleted_at: string | null;
  duplicate?: boolean;
}
interface Page {
  data: ImageBody[];
  next_cursor: string | null;
}

const db = () => createDb(env.DB);
/** D1, R2 and the Cache API, as the Worker's image changes use them. */
const store = () => ({ db: db(), bucket: env.IMAGES_BUCKET, cache: caches.default });
/** Where event URLs point, as the Worker computes it. */
const signing = () => signingDepsOf(env, loadEnv(env));
const json = (body: unknown, init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

/** A distinct valid PNG per call (the pixel values differ), so dedup does not merge them. */
function distinctPng(seed: number): Uint8Array {
  const bytes = fixture('tiny.png').slice();
  // Overwrite a tEXt-free copy: append a private ancillary chunk before IEND with the seed.
  const iend = bytes.length - 12;
  const chunk = new Uint8Array(12 + 4);
  new DataView(chunk.buffer).setUint32(0, 4);
  chunk.set([0x70, 0x72, 0x56, 0x74], 4); // "prVt" (private, ancillary: decoders skip it)
  new DataView(chunk.buffer).setUint32(8, seed);
  const out = new Uint8Array(bytes.length + chunk.length);
  out.set(bytes.subarray(0, iend));
  out.set(chunk, iend);
  out.set(bytes.subarray(iend), iend + chunk.length);
  return out;
}

/** Uploads a distinct PNG; its created_at is set to `seed` seconds after a fixed base so order is certain. */
async function uploadPng(
  user: TestUser,
  seed: number,
  fields: Record<string, string> = {},
): Promise<ImageBody> {
  const response = await upload(user, uploadForm(distinctPng(seed), `img-${seed}.png`, fields));
  expect(response.status).toBe(201);
  const image = (await response.json()) as ImageBody;
  await db()
    .update(images)
    .set({ createdAt: new Date(Date.UTC(2026, 0, 1) + seed * 1000) })
    .where(eq(images.id, image.id));
  return image;
}

async function page(user: TestUser, query: string): Promise<Page> {
  const response = await call(`/v1/images${query}`, authed(user.key));
  expect(response.status).toBe(200);
  return (await response.json()) as Page;
}

describe('GET /v1/images', () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await createUser('lister');
  });

  it('pages newest first with a cursor that stays stable while images are added', async () => {
    for (let i = 0; i < 5; i++) await uploadPng(user, 100 + i);
    const first = await page(user, '?limit=2');
    expect(first.data.map((image) => image.filename)).toEqual(['img-104.png', 'img-103.png']);
    // Concurrent inserts after the first page must not shift or repeat the following pages.
    await uploadPng(user, 200);
    await uploadPng(user, 201);
    const second = await page(user, `?limit=2&cursor=${first.next_cursor}`);
    expect(second.data.map((image) => image.filename)).toEqual(['img-102.png', 'img-101.png']);
    const third = await page(user, `?limit=2&cursor=${second.next_cursor}`);
    expect(third.data.map((image) => image.filename)).toEqual(['img-100.png']);
    expect(third.next_cursor).toBeNull();

    const oldest = await page(user, '?limit=3&sort=oldest');
    expect(oldest.data.map((image) => image.filename)).toEqual(['img-100.png', 'img-101.png', 'img-102.png']);
  });

  it('filters by tag, favourite and full-text search', async () => {
    const owner = await createUser('filterer');
    const cat = await uploadPng(owner, 1, { tags: 'cats', title: 'Whiskers asleep' });
    const dog = await uploadPng(owner, 2, { tags: 'dogs', description: 'A very good boy' });
    expect((await page(owner, '?tag=cats')).data.map((i) => i.id)).toEqual([cat.id]);
    expect((await page(owner, '?q=whisk')).data.map((i) => i.id)).toEqual([cat.id]);
    expect((await page(owner, '?q=dogs')).data.map((i) => i.id)).toEqual([dog.id]);
    expect((await page(owner, '?q=good%20boy')).data.map((i) => i.id)).toEqual([dog.id]);
    expect((await call(`/v1/images/${dog.id}/favourite`, authed(owner.key, { method: 'PUT' }))).status).toBe(
      204,
    );
    expect((await page(owner, '?favourite=true')).data.map((i) => i.id)).toEqual([dog.id]);
    expect((await page(owner, '?favourite=false')).data.map((i) => i.id)).toEqual([cat.id]);
    const bad = await call('/v1/images?cursor=nonsense', authed(owner.key));
    expect(bad.status).toBe(400);
  });
});

describe('managing one image', () => {
  it('the owner clears the nsfw flag moderation set (and sets it again), with an image.updated event each time', async () => {
    const owner = await createUser('moderated');
    const image = await uploadPng(owner, 8);
    await db().update(images).set({ nsfw: true }).where(eq(images.id, image.id));
    const read = await call(`/v1/images/${image.id}`, authed(owner.key));
    expect(await read.json()).toMatchObject({ id: image.id, nsfw: true });

    const patch = (nsfw: unknown) =>
      call(`/v1/images/${image.id}`, authed(owner.key, json({ nsfw }, { method: 'PATCH' })));
    const cleared = await patch(false);
    expect(cleared.status).toBe(200);
    expect(await cleared.json()).toMatchObject({ id: image.id, nsfw: false });
    const [row] = await db().select().from(images).where(eq(images.id, image.id));
    expect(row!.nsfw).toBe(false);
    expect(await (await patch(true)).json()).toMatchObject({ nsfw: true });
    const refused = await patch('no');
    expect(refused.status).toBe(400);
    expect((await errorOf(refused)).code).toBe('VALIDATION_FAILED');

    const events = await db().select().from(outboxEvents).where(eq(outboxEvents.ownerId, owner.id));
    const updates = events.filter((event) => event.type === 'image.updated');
    expect(updates.map((event) => (event.payload as { nsfw: boolean }).nsfw)).toEqual([false, true]);
  });

  it('gets by short id, edits, trashes, restores and purges', async () => {
    const owner = await createUser('manager');
    const image = await uploadPng(owner, 7, { tags: 'old' });
    const byShort = await call(`/v1/images/${image.short_id}`, authed(owner.key));
    expect(await byShort.json()).toMatchObject({ id: image.id });

    const patched = await call(
      `/v1/images/${image.id}`,
      authed(
        owner.key,
        json({ title: 'New title', tags: ['fresh'], filename: 'renamed.png' }, { method: 'PATCH' }),
      ),
    );
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({
      title: 'New title',
      tags: ['fresh'],
      filename: 'renamed.png',
    });

    const download = await call(`/v1/images/${image.id}/download`, authed(owner.key));
    expect(download.headers.get('Content-Disposition')).toContain('renamed.png');
    expect(new Uint8Array(await download.arrayBuffer()).length).toBeGreaterThan(0);

    expect((await call(`/v1/images/${image.id}`, authed(owner.key, { method: 'DELETE' }))).status).toBe(204);
    expect((await call(`/v1/images/${image.id}`, authed(owner.key))).status).toBe(404);
    const trash = (await (await call('/v1/trash', authed(owner.key))).json()) as Page;
    expect(trash.data.map((i) => i.id)).toEqual([image.id]);

    const restored = await call(`/v1/images/${image.id}/restore`, authed(owner.key, { method: 'POST' }));
    expect(restored.status).toBe(200);
    expect(await restored.json()).toMatchObject({ id: image.id, deleted_at: null });

    const purge = await call(
      `/v1/images/${image.id}?permanent=true`,
      authed(owner.key, { method: 'DELETE' }),
    );
    expect(purge.status).toBe(204);
    expect(await db().select().from(images).where(eq(images.id, image.id))).toEqual([]);
    expect((await env.IMAGES_BUCKET.list({ prefix: `${owner.id}/` })).objects).toEqual([]);
    const [row] = await db().select().from(users).where(eq(users.id, owner.id));
    expect(row).toMatchObject({ imageCount: 0, storageBytes: 0 });
    const events = await db().select().from(outboxEvents).where(eq(outboxEvents.ownerId, owner.id));
    expect(events.map((e) => e.type)).toEqual([
      'image.uploaded',
      'image.updated',
      'image.deleted',
      'image.restored',
      'image.purged',
    ]);
  });

  it('purges trash older than 30 days, with its variants, and only that', async () => {
    const owner = await createUser('purger');
    const old = await uploadPng(owner, 11);
    const recent = await uploadPng(owner, 12);
    const [oldRow] = await db().select().from(images).where(eq(images.id, old.id));
    const folder = oldRow!.storageKey.slice(0, oldRow!.storageKey.lastIndexOf('/') + 1);
    await env.IMAGES_BUCKET.put(`${folder}abc123.webp`, 'variant');
    await call(`/v1/images/${old.id}`, authed(owner.key, { method: 'DELETE' }));
    await call(`/v1/images/${recent.id}`, authed(owner.key, { method: 'DELETE' }));
    await db()
      .update(images)
      .set({ deletedAt: new Date(Date.now() - 31 * 24 * 3600 * 1000) })
      .where(eq(images.id, old.id));

    // A two-step upload that never got its bytes goes too, once its URL has expired.
    const started = await call(
      '/v1/images',
      authed(owner.key, json({ filename: 'never.png' }, { method: 'POST' })),
    );
    const pendingId = ((await started.json()) as { id: string }).id;
    await db()
      .update(images)
      .set({ createdAt: new Date(Date.now() - 76 * 60 * 1000) })
      .where(eq(images.id, pendingId));

    expect(await purgeExpiredTrash(store(), new Date(), { signing: signing() })).toBe(1);
    expect(await db().select().from(images).where(eq(images.id, pendingId))).toEqual([]);
    expect(await purgeExpiredTrash(store(), new Date(), { signing: signing() })).toBe(0);
    expect((await env.IMAGES_BUCKET.list({ prefix: folder })).objects).toEqual([]);
    const remaining = await db().select().from(images).where(eq(images.ownerId, owner.id));
    expect(remaining.map((i) => i.id)).toEqual([recent.id]);
  });

  it('writes one image.purged when purges race (two cron runs and DELETE ?permanent=true)', async () => {
    const owner = await createUser('racer');
    const image = await uploadPng(owner, 31);
    const [row] = await db().select().from(images).where(eq(images.id, image.id));
    await call(`/v1/images/${image.id}`, authed(owner.key, { method: 'DELETE' }));
    await db()
      .update(images)
      .set({ deletedAt: new Date(Date.now() - 31 * 24 * 3600 * 1000) })
      .where(eq(images.id, image.id));
    const [cron1, cron2, permanent] = await Promise.all([
      purgeExpiredTrash(store(), new Date(), { signing: signing() }),
      purgeExpiredTrash(store(), new Date(), { signing: signing() }),
      call(`/v1/images/${image.id}?permanent=true`, authed(owner.key, { method: 'DELETE' })),
    ]);
    expect([204, 404]).toContain(permanent.status);
    const events = await db().select().from(outboxEvents).where(eq(outboxEvents.ownerId, owner.id));
    expect(events.filter((event) => event.type === 'image.purged')).toHaveLength(1);
    // A purge that lost the race changed nothing, so it is not counted as one either.
    expect(cron1 + cron2).toBeLessThanOrEqual(1);
    expect(await db().select().from(images).where(eq(images.id, image.id))).toEqual([]);
    const folder = row!.storageKey.slice(0, row!.storageKey.lastIndexOf('/') + 1);
    expect((await env.IMAGES_BUCKET.list({ prefix: folder })).objects).toEqual([]);
    const [user] = await db().select().from(users).where(eq(users.id, owner.id));
    expect(user).toMatchObject({ imageCount: 0, storageBytes: 0 });
  });

  it('purging a row that a racing purge already removed writes, counts and changes nothing', async () => {
    const owner = await createUser('racer-album');
    await call('/v1/albums', authed(owner.key, json({ slug: 'trip', title: 'Trip' }, { method: 'POST' })));
    const image = await uploadPng(owner, 32, { album: 'trip' });
    const kept = await uploadPng(owner, 33, { album: 'trip' });
    // Both purges read the row before either deletes it, as two racing callers do.
    const [row] = await db().select().from(images).where(eq(images.id, image.id));
    const view = await ownerImageView(db(), owner.id, signing());
    const outcomes = await Promise.all([purgeImage(store(), row!, view), purgeImage(store(), row!, view)]);
    const events = await db().select().from(outboxEvents).where(eq(outboxEvents.ownerId, owner.id));
    expect(events.filter((event) => event.type === 'image.purged')).toHaveLength(1);
    expect(outcomes.sort()).toEqual([false, true]);
    const [user] = await db().select().from(users).where(eq(users.id, owner.id));
    const [left] = await db().select().from(images).where(eq(images.id, kept.id));
    expect(user).toMatchObject({ imageCount: 1, storageBytes: left!.bytes });
    const album = await call('/v1/albums/trip', authed(owner.key));
    expect(await album.json()).toMatchObject({ image_count: 1 });
  });

  it('two racing trashes, then two racing restores, each write one event and move the album counter once', async () => {
    const owner = await createUser('racer-trash');
    await call('/v1/albums', authed(owner.key, json({ slug: 'trip', title: 'Trip' }, { method: 'POST' })));
    const image = await uploadPng(owner, 34, { album: 'trip' });
    await uploadPng(owner, 35, { album: 'trip' });
    const view = await ownerImageView(db(), owner.id, signing());
    const albumImages = async () =>
      ((await (await call('/v1/albums/trip', authed(owner.key))).json()) as { image_count: number })
        .image_count;
    const eventsOf = async (type: string) =>
      (await db().select().from(outboxEvents).where(eq(outboxEvents.ownerId, owner.id))).filter(
        (event) => event.type === type,
      );

    // Both callers read the live row before either changes it.
    const [live] = await db().select().from(images).where(eq(images.id, image.id));
    await Promise.all([trashImage(store(), live!, view), trashImage(store(), live!, view)]);
    expect(await eventsOf('image.deleted')).toHaveLength(1);
    expect(await albumImages()).toBe(1);

    const [trashed] = await db().select().from(images).where(eq(images.id, image.id));
    await Promise.all([restoreImage(db(), trashed!, view), restoreImage(db(), trashed!, view)]);
    expect(await eventsOf('image.restored')).toHaveLength(1);
    expect(await albumImages()).toBe(2);
  });

  it("answers 404 for another tenant's image and changes nothing", async () => {
    const owner = await createUser('victim');
    const intruder = await createUser('intruder');
    const image = await uploadPng(owner, 21);
    for (const [path, init] of [
      [`/v1/images/${image.id}`, {}],
      [`/v1/images/${image.short_id}`, {}],
      [`/v1/images/${image.id}`, json({ title: 'pwned' }, { method: 'PATCH' })],
      [`/v1/images/${image.id}?permanent=true`, { method: 'DELETE' }],
      [`/v1/images/${image.id}/favourite`, { method: 'PUT' }],
      [`/v1/images/${image.id}/download`, {}],
    ] as const) {
      const response = await call(path, authed(intruder.key, init));
      expect(response.status, path).toBe(404);
      expect((await errorOf(response)).code).toBe('NOT_FOUND');
    }
    expect((await page(intruder, '')).data).toEqual([]);
    const [row] = await db().select().from(images).where(eq(images.id, image.id));
    expect(row).toMatchObject({ title: null, deletedAt: null });
  });

  it('moves, tags and deletes in bulk, reporting ids that are not yours', async () => {
    const owner = await createUser('bulk-owner');
    const other = await createUser('bulk-other');
    const mine = [await uploadPng(owner, 41), await uploadPng(owner, 42)];
    const theirs = await uploadPng(other, 43);
    const ids = [...mine.map((i) => i.id), theirs.id];
    const bulk = (body: unknown) =>
      call('/v1/images/bulk', authed(owner.key, json(body, { method: 'POST' })));

    const tagged = await bulk({ action: 'tag', ids, tags: ['batch'] });
    expect(await tagged.json()).toEqual({
      updated: expect.arrayContaining(mine.map((i) => i.id)),
      not_found: [theirs.id],
    });
    expect((await page(owner, '?tag=batch')).data).toHaveLength(2);
    expect((await page(other, '?tag=batch')).data).toHaveLength(0);

    await call('/v1/albums', authed(owner.key, json({ slug: 'bulk', title: 'Bulk' }, { method: 'POST' })));
    expect((await bulk({ action: 'move', ids, album: 'bulk' })).status).toBe(200);
    expect((await page(owner, '?album=bulk')).data).toHaveLength(2);

    expect((await bulk({ action: 'delete', ids })).status).toBe(200);
    expect((await page(owner, '')).data).toEqual([]);
    expect((await page(other, '')).data.map((i) => i.id)).toEqual([theirs.id]);
  });

  it('reports usage against the plan', async () => {
    const owner = await createUser('usage');
    const image = await uploadPng(owner, 31);
    const response = await call('/v1/usage', authed(owner.key));
    expect(await response.json()).toMatchObject({
      plan: 'free',
      images: { used: 1, limit: 100 },
      bytes: { used: (await db().select().from(images).where(eq(images.id, image.id)))[0]!.bytes },
    });
  });
});

describe('access: how the CDN serves an image', () => {
  it('is signed exactly when the CDN refuses the plain URL: a private image, or any image in a private album', async () => {
    const owner = await createUser('access-owner');
    const albumPost = (slug: string, visibility: string) =>
      call('/v1/albums', authed(owner.key, json({ slug, title: slug, visibility }, { method: 'POST' })));
    await albumPost('open', 'public');
    await albumPost('closed', 'private');
    const cases: { name: string; fields: Record<string, string> }[] = [
      { name: 'loose.png', fields: {} },
      { name: 'own-flag.png', fields: { is_private: 'true' } },
      { name: 'in-open.png', fields: { album: 'open' } },
      { name: 'in-closed.png', fields: { album: 'closed' } },
    ];
    const seen: Record<string, { listed: string; got: string; cdn: number }> = {};
    for (const [index, { name, fields }] of cases.entries()) {
      const response = await upload(owner, uploadForm(distinctPng(100 + index), name, fields));
      const image = (await response.json()) as ImageBody & { access: string; urls: { cdn: string } };
      const got = (await (await call(`/v1/images/${image.id}`, authed(owner.key))).json()) as typeof image;
      seen[name] = {
        listed: image.access,
        got: got.access,
        cdn: (await call(new URL(got.urls.cdn).pathname)).status,
      };
    }
    const listed = (await (await call('/v1/images', authed(owner.key))).json()) as {
      data: (ImageBody & { access: string })[];
    };
    expect(Object.fromEntries(listed.data.map((image) => [image.filename, image.access]))).toEqual({
      'loose.png': 'public',
      'own-flag.png': 'signed',
      'in-open.png': 'public',
      'in-closed.png': 'signed',
    });
    expect(seen).toEqual({
      'loose.png': { listed: 'public', got: 'public', cdn: 200 },
      'own-flag.png': { listed: 'signed', got: 'signed', cdn: 403 },
      'in-open.png': { listed: 'public', got: 'public', cdn: 200 },
      'in-closed.png': { listed: 'signed', got: 'signed', cdn: 403 },
    });

    // Changing the album's visibility changes its images' access, with no change to the image itself.
    await call('/v1/albums/closed', authed(owner.key, json({ visibility: 'public' }, { method: 'PATCH' })));
    const reopened = (await (await call('/v1/images?album=closed', authed(owner.key))).json()) as {
      data: { access: string }[];
    };
    expect(reopened.data.map((image) => image.access)).toEqual(['public']);
  });
});
