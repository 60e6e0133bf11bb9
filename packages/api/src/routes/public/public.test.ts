import { PUBLIC_PAGE_LIMITS } from '@pixelflare/config';
import { createDb, customDomains, images, users } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { makePng, storeImage } from '../../../test/fixtures/cdn/images';
import { domainBindings, fetchWith, uniqueHostname } from '../../../test/fixtures/domain-helpers';
import { enableEncryption, uploadEncrypted } from '../../../test/fixtures/encryption-helpers';
import { upload, uploadForm } from '../../../test/fixtures/upload-helpers';
import { authed, BASE, call, createUser, errorOf, type TestUser } from '../../../test/helpers';

const db = createDb(env.DB);
let alice: TestUser;
let bob: TestUser;
let paged: TestUser;
const aliceHost = uniqueHostname('alice-site');

const json = (method: string, body: unknown) => ({
  method,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

async function createAlbum(user: TestUser, slug: string, visibility: string) {
  const response = await call(
    '/v1/albums',
    authed(user.key, json('POST', { slug, title: `${slug} title`, visibility })),
  );
  expect(response.status).toBe(201);
}

let colour = 0;
async function uploadPng(user: TestUser, filename: string, fields: Record<string, string> = {}) {
  colour += 1;
  const bytes = makePng(40, 30, () => [colour % 256, (colour >> 8) % 256, 90]);
  const response = await upload(user, uploadForm(bytes, filename, { alt: `alt of ${filename}`, ...fields }));
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string };
}

interface Tag {
  tag: string;
  attrs: Record<string, string>;
}

/** A page's HTML and its img, meta, link and a elements with their attributes (read by workerd's HTMLRewriter). */
async function parsed(response: Response) {
  const html = await response.text();
  const tags: Tag[] = [];
  await new HTMLRewriter()
    .on('img, meta, link, a', {
      element(element) {
        tags.push({ tag: element.tagName, attrs: Object.fromEntries(element.attributes) });
      },
    })
    .transform(new Response(html))
    .text();
  const find = (tag: string, name: string, value: string) =>
    tags.find((t) => t.tag === tag && t.attrs[name] === value)?.attrs;
  return {
    html,
    tags,
    images: tags.filter((t) => t.tag === 'img').map((t) => t.attrs),
    canonical: find('link', 'rel', 'canonical')?.href,
    meta: (key: string) => (find('meta', 'property', key) ?? find('meta', 'name', key))?.content,
    next: find('a', 'rel', 'next')?.href,
  };
}

const page = async (path: string) => {
  const response = await call(path);
  return { response, ...(await parsed(response)) };
};

beforeAll(async () => {
  alice = await createUser('alice-pages');
  bob = await createUser('bob-pages');
  paged = await createUser('many-pages');
  const profile = await call(
    '/v1/me',
    authed(
      alice.key,
      json('PATCH', {
        display_name: 'Alice <Liddell>',
        bio: 'Photos of rabbit holes. <script>alert(1)</script>',
        website: 'https://alice.example/',
        github: 'alice-l',
      }),
    ),
  );
  expect(profile.status).toBe(200);
  await createAlbum(alice, 'holiday', 'public');
  await createAlbum(alice, 'drafts', 'unlisted');
  await createAlbum(alice, 'secret', 'private');
  await createAlbum(alice, 'nothing-shown', 'public');
  await uploadPng(alice, 'beach.png', { album: 'holiday' });
  await uploadPng(alice, 'own-private.png', { album: 'holiday', is_private: 'true' });
  await uploadPng(alice, 'draft.png', { album: 'drafts' });
  await uploadPng(alice, 'hidden.png', { album: 'secret' });
  await uploadPng(alice, 'only-private.png', { album: 'nothing-shown', is_private: 'true' });
  await uploadPng(alice, 'loose.png');
  const flagged = await uploadPng(alice, 'flagged.png');
  await db.update(images).set({ nsfw: true }).where(eq(images.id, flagged.id));
  await enableEncryption(alice);
  colour += 1;
  await uploadEncrypted(
    alice,
    makePng(20, 20, () => [colour, 1, 2]),
    'sealed.png',
  );
  await uploadPng(bob, 'bobs.png');
  await db.insert(customDomains).values({
    id: 'dom_alice_pages',
    ownerId: alice.id,
    hostname: aliceHost,
    status: 'active',
    verifiedAt: new Date(),
  });
}, 120_000);

describe('the public profile, /u/{owner}', () => {
  it('shows the profile, the listed albums and the public images, and nothing private, unlisted or encrypted', async () => {
    const { response, html } = await page('/u/alice-pages');
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toMatch(/^text\/html/);
    for (const shown of [
      'beach.png',
      'loose.png',
      'holiday title',
      'https://github.com/alice-l',
      'alice.example',
    ])
      expect(html, shown).toContain(shown);
    for (const hidden of [
      'own-private',
      'draft.png',
      'drafts title',
      'hidden.png',
      'secret title',
      'sealed',
      'flagged',
      'bobs.png',
    ])
      expect(html, hidden).not.toContain(hidden);
    // Text from the users row is escaped, and the page runs no script at all.
    expect(html).toContain('Alice &lt;Liddell&gt;');
    expect(html).not.toContain('<script');
    expect(response.headers.get('Content-Security-Policy')).toContain("default-src 'none'");
    expect(response.headers.get('Content-Security-Policy')).not.toContain('script-src');
    expect(response.headers.get('Cache-Control')).toBe(`public, max-age=${PUBLIC_PAGE_LIMITS.cacheSeconds}`);
  });

  it('gives every image its size, lazy loading and a srcset of the presets, each URL one the CDN serves', async () => {
    const { images: shown } = await page('/u/alice-pages');
    const beach = shown.find((image) => image.alt === 'alt of beach.png');
    expect(beach).toBeDefined();
    const { src, srcset, width, height } = beach!;
    expect([width, height]).toEqual(['40', '30']);
    // Few images: the album covers' first row and the grid's first row are above the fold, none lazy.
    expect(shown.every((image) => image.loading === 'eager' || image.loading === 'lazy')).toBe(true);
    expect(shown.every((image) => image.width && image.height)).toBe(true);
    // Presets never enlarge: a 40 px wide image is offered once, at its own width.
    expect(srcset).toBe(`${BASE}/cdn/alice-pages/holiday/beach.png/w128 40w`);
    expect(src).toBe(`${BASE}/cdn/alice-pages/holiday/beach.png/w128`);
    const served = await call(src!.slice(BASE.length));
    expect(served.status).toBe(200);
    expect(served.headers.get('Content-Type')).toMatch(/^image\//);
  });

  it('carries Open Graph and Twitter card tags from the og-image preset, and a canonical URL', async () => {
    const { canonical, meta } = await page('/u/alice-pages');
    expect(canonical).toBe(`${BASE}/u/alice-pages`);
    // HTMLRewriter reads attributes as written: escaped.
    expect(meta('og:title')).toBe('Alice &lt;Liddell&gt;');
    expect(meta('og:url')).toBe(`${BASE}/u/alice-pages`);
    expect(meta('description')).toBe('Photos of rabbit holes. &lt;script&gt;alert(1)&lt;/script&gt;');
    const og = meta('og:image');
    expect(og).toBe(`${BASE}/cdn/alice-pages/holiday/beach.png/og-image`);
    expect(meta('twitter:card')).toBe('summary_large_image');
    const card = await call(og!.slice(BASE.length));
    expect(card.status).toBe(200);
  });

  it('answers 404 for an unknown or disabled owner, as JSON', async () => {
    const gone = await createUser('gone-pages');
    await db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, gone.id));
    for (const path of ['/u/nobody-here', '/u/gone-pages', '/u/gone-pages/sitemap.xml']) {
      const response = await call(path);
      expect(response.status, path).toBe(404);
      expect((await errorOf(response)).code).toBe('NOT_FOUND');
    }
  });

  it('pages through hundreds of images with keyset cursors, each once, in the order uploaded (newest first)', async () => {
    const count = PUBLIC_PAGE_LIMITS.imagesPerPage * 4 + 7;
    const stored: string[] = [];
    for (let i = 0; i < count; i++) {
      const image = await storeImage(paged.id, {
        filename: `p-${String(i).padStart(3, '0')}.png`,
        bytes: makePng(8, 8),
        contentType: 'image/png',
        width: 8,
        height: 8,
      });
      // Distinct times, so "newest first" has one answer.
      await db
        .update(images)
        .set({ createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000) })
        .where(eq(images.id, image.id));
      stored.push(image.filename);
    }
    const seen: string[] = [];
    let path: string | undefined = '/u/many-pages';
    let pages = 0;
    while (path) {
      const { response, images: shown, next } = await page(path);
      expect(response.status).toBe(200);
      const names = shown.map((image) => /\/cdn\/many-pages\/default\/(p-\d+\.png)\//.exec(image.src!)![1]!);
      expect(names.length).toBeLessThanOrEqual(PUBLIC_PAGE_LIMITS.imagesPerPage);
      seen.push(...names);
      // No albums above the grid: its first row is eager, the first image fetched first, the rest lazy.
      expect(shown.map((image) => image.loading)).toEqual(shown.map((_, i) => (i < 4 ? 'eager' : 'lazy')));
      expect(shown.map((image) => image.fetchpriority ?? null)).toEqual(
        shown.map((_, i) => (i === 0 ? 'high' : null)),
      );
      pages += 1;
      path = next ? next.slice(BASE.length) : undefined;
    }
    expect(pages).toBe(5);
    expect(seen).toEqual([...stored].reverse());
    const bad = await call('/u/many-pages?cursor=not-a-cursor');
    expect(bad.status).toBe(400);
  }, 120_000);
});

describe('album pages, /u/{owner}/{album}', () => {
  it('shows a public album’s visible images only', async () => {
    const { response, html, canonical, meta } = await page('/u/alice-pages/holiday');
    expect(response.status).toBe(200);
    expect(html).toContain('beach.png');
    expect(html).not.toContain('own-private');
    expect(meta('robots')).toBeUndefined();
    expect(canonical).toBe(`${BASE}/u/alice-pages/holiday`);
  });

  it('serves an unlisted album to whoever has its URL, kept out of search engines', async () => {
    const { response, html, meta } = await page('/u/alice-pages/drafts');
    expect(response.status).toBe(200);
    expect(html).toContain('draft.png');
    expect(meta('robots')).toBe('noindex');
  });

  it('is 404 for a private, unknown or another owner’s album', async () => {
    for (const path of [
      '/u/alice-pages/secret',
      '/u/alice-pages/nope',
      '/u/bob-pages/holiday',
      '/u/alice-pages/Bad%20Slug',
    ])
      expect((await call(path)).status, path).toBe(404);
  });
});

describe('sitemap and robots', () => {
  it('lists the profile and its listed albums, never unlisted, private or empty-to-visitors ones', async () => {
    const response = await call('/u/alice-pages/sitemap.xml');
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('application/xml; charset=utf-8');
    const xml = await response.text();
    const locs = [...xml.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]);
    expect(locs).toEqual([`${BASE}/u/alice-pages`, `${BASE}/u/alice-pages/holiday`]);
  });
});

describe('on the owner’s custom domain', () => {
  const { bindings } = domainBindings();
  const on = (path: string) => fetchWith(bindings, `https://${aliceHost}${path}`);

  it('serves the profile at /, albums at /{album}, with image URLs on the domain itself', async () => {
    const home = await on('/');
    expect(home.status).toBe(200);
    const { html, canonical, images: shown, tags } = await parsed(home);
    expect(canonical).toBe(`https://${aliceHost}/`);
    expect(shown.map((image) => image.src)).toContain(`https://${aliceHost}/holiday/beach.png/w128`);
    expect(tags.some((t) => t.tag === 'a' && t.attrs.href === `https://${aliceHost}/holiday`)).toBe(true);
    expect(html).not.toContain('/cdn/');
    const image = await on('/holiday/beach.png/w128');
    expect(image.status).toBe(200);
    const album = await on('/holiday');
    expect(album.status).toBe(200);
    expect(await album.text()).toContain('beach.png');
    expect((await on('/secret')).status).toBe(404);
  });

  it('serves robots.txt and sitemap.xml for the domain', async () => {
    expect(await (await on('/robots.txt')).text()).toBe(
      `User-agent: *\nAllow: /\nSitemap: https://${aliceHost}/sitemap.xml\n`,
    );
    const xml = await (await on('/sitemap.xml')).text();
    expect(xml).toContain(`<loc>https://${aliceHost}/</loc>`);
    expect(xml).toContain(`<loc>https://${aliceHost}/holiday</loc>`);
  });

  it('keeps the internal /site paths to custom domains: on the product host they are nobody’s', async () => {
    expect((await fetchWith(bindings, `${BASE}/site/`)).status).toBe(404);
    expect((await fetchWith(bindings, `${BASE}/site/holiday`)).status).toBe(404);
  });
});
