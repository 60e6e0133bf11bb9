import { createDb, images, users } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { makePng, storeImage } from '../../../test/fixtures/cdn/images';
import { authed, BASE, call, createUser, type TestUser } from '../../../test/helpers';

// The product host's robots.txt and sitemap index: every findable owner's sitemap, and nothing private,
// unlisted or encrypted anywhere in it.
const db = createDb(env.DB);
const png = { bytes: makePng(20, 10), contentType: 'image/png' as const, width: 20, height: 10 };

const json = (method: string, body: unknown) => ({
  method,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

async function albumOf(user: TestUser, slug: string, visibility: 'public' | 'unlisted' | 'private') {
  const response = await call(
    '/v1/albums',
    authed(user.key, json('POST', { slug, title: slug, visibility })),
  );
  expect(response.status).toBe(201);
  return { id: ((await response.json()) as { id: string }).id, slug };
}

/** An image stored straight into an album (or none), with its flags as the visibility rule reads them. */
async function imageIn(
  user: TestUser,
  filename: string,
  album: { id: string; slug: string } | null,
  flags: { isEncrypted?: boolean; isPrivate?: boolean } = {},
) {
  const stored = await storeImage(user.id, { filename, album: album?.slug ?? 'default', ...png });
  await db
    .update(images)
    .set({
      albumId: album?.id ?? null,
      isEncrypted: flags.isEncrypted ?? false,
      isPrivate: flags.isPrivate ?? false,
    })
    .where(eq(images.id, stored.id));
}

const locsOf = (xml: string) => [...xml.matchAll(/<loc>([^<]+)<\/loc>/g)].map((match) => match[1]!);
const sitemapOf = (slug: string) => `${BASE}/u/${slug}/sitemap.xml`;

beforeAll(async () => {
  const sara = await createUser('sara-site');
  await imageIn(sara, 'loose.png', null);
  await imageIn(sara, 'trip.png', await albumOf(sara, 'trip', 'public'));
  await imageIn(sara, 'hidden.png', await albumOf(sara, 'hidden', 'unlisted'));
  await imageIn(sara, 'mine.png', await albumOf(sara, 'mine', 'private'));
  // Owners with nothing a visitor may see on their profile.
  const onlyPrivate = await createUser('only-private');
  await imageIn(onlyPrivate, 'p.png', null, { isPrivate: true });
  const onlyUnlisted = await createUser('only-unlisted');
  await imageIn(onlyUnlisted, 'u.png', await albumOf(onlyUnlisted, 'quiet', 'unlisted'));
  const onlyEncrypted = await createUser('only-encrypted');
  await imageIn(onlyEncrypted, 'e.png', null, { isEncrypted: true });
  const inPrivateAlbum = await createUser('only-private-album');
  await imageIn(inPrivateAlbum, 'a.png', await albumOf(inPrivateAlbum, 'vault', 'private'));
  await createUser('nothing-yet');
  const disabled = await createUser('disabled-site');
  await imageIn(disabled, 'd.png', null);
  await db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, disabled.id));
  await createUser('tom-site').then((tom) => imageIn(tom, 'x.png', null));
});

describe('the product host’s robots.txt and sitemap index', () => {
  it('robots.txt allows the public pages, keeps crawlers off the API and share links, and names the index', async () => {
    const response = await call('/robots.txt');
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toContain('text/plain');
    const lines = (await response.text()).trim().split('\n');
    expect(lines).toEqual([
      'User-agent: *',
      'Allow: /u/',
      'Disallow: /v1/',
      'Disallow: /auth/',
      'Disallow: /s/',
      `Sitemap: ${BASE}/sitemap.xml`,
    ]);
  });

  it('lists the sitemap of each owner a visitor can find, and no one else', async () => {
    const response = await call('/sitemap.xml');
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toContain('application/xml');
    const xml = await response.text();
    expect(xml).toContain('<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">');
    // Slug order; private-only, unlisted-only, encrypted-only, private-album-only, empty and disabled are left out.
    expect(locsOf(xml)).toEqual([sitemapOf('sara-site'), sitemapOf('tom-site')]);
  });

  it('each listed sitemap answers, with the profile and listed albums only', async () => {
    const index = locsOf(await (await call('/sitemap.xml')).text());
    for (const loc of index) expect((await call(loc.slice(BASE.length))).status, loc).toBe(200);
    const sara = locsOf(await (await call('/u/sara-site/sitemap.xml')).text());
    expect(sara).toEqual([`${BASE}/u/sara-site`, `${BASE}/u/sara-site/trip`]);
  });

  it('a page past the last, or not a page number, is a 404', async () => {
    for (const query of ['?page=2', '?page=0', '?page=abc', '?page=1.5']) {
      const response = await call(`/sitemap.xml${query}`);
      expect(response.status, query).toBe(404);
    }
    expect((await call('/sitemap.xml?page=1')).status).toBe(200);
  });
});
