import { createDb, outboxEvents, shareLinks } from '@pixelflare/database';
import type { ShareLinkCreated, ShareLinkResource } from '@pixelflare/shared';
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg, storeImage, type StoredImage } from '../../../test/fixtures/cdn/images';
import { authed, call, createUser, errorOf, type TestUser } from '../../../test/helpers';
import { sha256Hex } from '../../lib/crypto';
import { sweepExpiredShareLinks } from '../../services/share-links/share-links';

let owner: TestUser;
let stranger: TestUser;
let readOnly: TestUser;
let photo: StoredImage;

const api = (user: TestUser, path: string, method = 'GET', body?: unknown) =>
  call(
    path,
    authed(user.key, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
    }),
  );

async function create(body: unknown, user = owner): Promise<ShareLinkCreated> {
  const response = await api(user, '/v1/share-links', 'POST', body);
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as ShareLinkCreated;
}

const tokenOf = (url: string) => url.split('/s/')[1]!;

beforeAll(async () => {
  owner = await createUser('share-owner');
  stranger = await createUser('share-stranger');
  readOnly = await createUser('share-reader', { scopes: ['images:read'] });
  photo = await storeImage(owner.id, {
    filename: 'harbour.jpg',
    bytes: makeJpeg(64, 48),
    contentType: 'image/jpeg',
    width: 64,
    height: 48,
    isPrivate: true,
  });
});

describe('POST /v1/share-links', () => {
  it('creates a link to an image with every option, returning its URL once and storing only hashes', async () => {
    const created = await create({
      image_id: photo.id,
      expires_in: 3600,
      password: 'open sesame',
      max_views: 1,
      allow_download: true,
    });
    expect(created).toMatchObject({
      target: { type: 'image', id: photo.id, title: 'harbour.jpg' },
      state: 'active',
      has_password: true,
      max_views: 1,
      views: 0,
      allow_download: true,
      revoked_at: null,
      last_viewed_at: null,
    });
    expect(created.id).toMatch(/^shl_/);
    expect(created.url).toMatch(/^http:\/\/localhost:8787\/s\/[A-Za-z0-9_-]{24}$/);
    const expires = new Date(created.expires_at!).getTime();
    expect(expires).toBeGreaterThan(Date.now() + 3500_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 3600_000);

    const token = tokenOf(created.url);
    const [row] = await createDb(env.DB).select().from(shareLinks).where(eq(shareLinks.id, created.id));
    // D1 holds neither the token nor the password, only their hashes.
    expect(row!.tokenHash).toBe(await sha256Hex(`share-link:${token}`));
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[\w-]{22}\$[\w-]{43}$/);
    expect(JSON.stringify(row)).not.toContain('open sesame');
    // Two links to the same image get different tokens.
    const other = await create({ image_id: photo.id });
    expect(tokenOf(other.url)).not.toBe(token);
    expect(other).toMatchObject({
      expires_at: null,
      has_password: false,
      max_views: null,
      allow_download: false,
    });
  });

  it('creates a link to an album by slug or id', async () => {
    const album = (await (
      await api(owner, '/v1/albums', 'POST', { slug: 'holiday', title: 'Holiday' })
    ).json()) as { id: string };
    const bySlug = await create({ album: 'holiday' });
    const byId = await create({ album: album.id });
    for (const link of [bySlug, byId])
      expect(link.target).toEqual({ type: 'album', id: album.id, title: 'Holiday' });
  });

  it('answers validation errors as JSON 400 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{}, 'image_id'],
      [{ image_id: photo.id, album: 'holiday' }, 'image_id'],
      [{ image_id: photo.id, expires_in: 5 }, 'expires_in'],
      [{ image_id: photo.id, max_views: 0 }, 'max_views'],
      [{ image_id: photo.id, max_views: 1.5 }, 'max_views'],
      [{ image_id: photo.id, password: 'abc' }, 'password'],
      [{ image_id: photo.id, allow_download: 'yes' }, 'allow_download'],
    ];
    for (const [body, field] of cases) {
      const response = await api(owner, '/v1/share-links', 'POST', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      const error = await errorOf(response);
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.issues?.map((issue) => issue.path)).toContain(field);
    }
  });

  it("refuses another owner's image or album (404) and an encrypted image (409)", async () => {
    expect((await api(stranger, '/v1/share-links', 'POST', { image_id: photo.id })).status).toBe(404);
    expect((await api(stranger, '/v1/share-links', 'POST', { album: 'holiday' })).status).toBe(404);
    expect((await api(owner, '/v1/share-links', 'POST', { image_id: 'img_nothing' })).status).toBe(404);
    const sealed = await storeImage(owner.id, {
      filename: 'sealed.jpg',
      bytes: makeJpeg(8, 8),
      contentType: 'image/jpeg',
      width: 8,
      height: 8,
    });
    await env.DB.prepare('UPDATE images SET is_encrypted = 1 WHERE id = ?').bind(sealed.id).run();
    const refused = await api(owner, '/v1/share-links', 'POST', { image_id: sealed.id });
    expect(refused.status).toBe(409);
    expect((await errorOf(refused)).message).toContain('Encrypted images cannot be shared');
  });

  it('needs images:write to create and revoke, images:read to list', async () => {
    expect((await api(readOnly, '/v1/share-links', 'POST', { image_id: photo.id })).status).toBe(403);
    expect((await api(readOnly, '/v1/share-links')).status).toBe(200);
    expect((await call('/v1/share-links')).status).toBe(401);
  });
});

describe('GET and DELETE /v1/share-links', () => {
  it("lists the owner's links newest first with views and state, paged, and never another owner's", async () => {
    const lister = await createUser('share-lister');
    const image = await storeImage(lister.id, {
      filename: 'pier.jpg',
      bytes: makeJpeg(8, 8),
      contentType: 'image/jpeg',
      width: 8,
      height: 8,
    });
    const links: ShareLinkCreated[] = [];
    for (let i = 0; i < 3; i++) links.push(await create({ image_id: image.id }, lister));
    const first = (await (await api(lister, '/v1/share-links?limit=2')).json()) as {
      data: ShareLinkResource[];
      next_cursor: string | null;
    };
    expect(first.data.map((link) => link.id)).toEqual([links[2]!.id, links[1]!.id]);
    expect(first.data[0]).not.toHaveProperty('url');
    const second = (await (
      await api(lister, `/v1/share-links?limit=2&cursor=${encodeURIComponent(first.next_cursor!)}`)
    ).json()) as { data: ShareLinkResource[]; next_cursor: string | null };
    expect(second.data.map((link) => link.id)).toEqual([links[0]!.id]);
    expect(second.next_cursor).toBeNull();

    const theirs = (await (await api(stranger, '/v1/share-links')).json()) as { data: ShareLinkResource[] };
    expect(theirs.data.map((link) => link.id)).not.toContain(links[0]!.id);
    expect((await api(stranger, `/v1/share-links/${links[0]!.id}`)).status).toBe(404);
    expect((await api(stranger, `/v1/share-links/${links[0]!.id}`, 'DELETE')).status).toBe(404);
    expect((await api(lister, '/v1/share-links?cursor=nonsense')).status).toBe(400);
  });

  it('revokes: the link answers 410, stays listed as revoked, and revoking again changes nothing', async () => {
    const link = await create({ image_id: photo.id });
    expect((await call(`/s/${tokenOf(link.url)}`)).status).toBe(200);
    expect((await api(owner, `/v1/share-links/${link.id}`, 'DELETE')).status).toBe(204);
    const revoked = (await (await api(owner, `/v1/share-links/${link.id}`)).json()) as ShareLinkResource;
    expect(revoked).toMatchObject({ state: 'revoked', views: 1 });
    expect((await api(owner, `/v1/share-links/${link.id}`, 'DELETE')).status).toBe(204);
    const again = (await (await api(owner, `/v1/share-links/${link.id}`)).json()) as ShareLinkResource;
    expect(again.revoked_at).toBe(revoked.revoked_at);
    const page = await call(`/s/${tokenOf(link.url)}`);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('revoked');
  });

  it('shows a link past its expiry as expired, and the sweep writes share.expired once', async () => {
    const link = await create({ image_id: photo.id, expires_in: 60 });
    const db = createDb(env.DB);
    await db
      .update(shareLinks)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(shareLinks.id, link.id));
    const expired = (await (await api(owner, `/v1/share-links/${link.id}`)).json()) as ShareLinkResource;
    expect(expired.state).toBe('expired');
    await sweepExpiredShareLinks(db, Date.now());
    await sweepExpiredShareLinks(db, Date.now());
    const events = await db
      .select()
      .from(outboxEvents)
      .where(and(eq(outboxEvents.ownerId, owner.id), eq(outboxEvents.type, 'share.expired')));
    const mine = events.filter((event) => (event.payload as { id: string }).id === link.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.payload).toMatchObject({ id: link.id, state: 'expired' });
  });
});
