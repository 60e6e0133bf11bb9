import { createDb, outboxEvents, shareLinks } from '@pixelflare/database';
import type { ShareLinkCreated, ShareLinkResource } from '@pixelflare/shared';
import { CSP_SHARE_PAGE } from '@pixelflare/config';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg, makePng, storeImage, type StoredImage } from '../../../test/fixtures/cdn/images';
import { authed, BASE, call, createUser, errorOf, type TestUser } from '../../../test/helpers';
import { readImageHeader } from '../../engines/image-size';
import { sha256Hex, toBase64Url } from '../../lib/crypto';
import { newId } from '../../lib/ids';
import { hashSharePassword } from '../../services/share-links/password';

let owner: TestUser;
let photo: StoredImage;
let ipCounter = 0;
/** Each test visits from its own address, so the per-IP password limit of one test never reaches another. */
const freshIp = () => `198.51.100.${++ipCounter}`;

async function create(body: Record<string, unknown>): Promise<ShareLinkCreated & { path: string }> {
  const response = await call(
    '/v1/share-links',
    authed(owner.key, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
  expect(response.status, await response.clone().text()).toBe(201);
  const created = (await response.json()) as ShareLinkCreated;
  return { ...created, path: created.url.slice(BASE.length) };
}

/**
 * A password-protected link stored directly, its hash made with tiny KDF parameters (verification reads them from
 * the hash): the rate-limit tests make dozens of guesses, and at the real cost each takes most of a second on a
 * loaded machine, long enough for the buckets to refill a token mid-test.
 */
async function cheapProtectedLink(password: string): Promise<{ id: string; path: string }> {
  const token = toBase64Url(crypto.getRandomValues(new Uint8Array(18)));
  const id = newId('shl');
  await createDb(env.DB)
    .insert(shareLinks)
    .values({
      id,
      ownerId: owner.id,
      tokenHash: await sha256Hex(`share-link:${token}`),
      imageId: photo.id,
      passwordHash: hashSharePassword(password, { memoryKiB: 8, passes: 1, parallelism: 1 }),
    });
  return { id, path: `/s/${token}` };
}

const linkOf = async (id: string) =>
  (await (await call(`/v1/share-links/${id}`, authed(owner.key))).json()) as ShareLinkResource;

function visit(path: string, init: { ip?: string; cookie?: string; accept?: string; method?: string } = {}) {
  const headers: Record<string, string> = { 'CF-Connecting-IP': init.ip ?? '203.0.113.9' };
  if (init.cookie) headers.Cookie = init.cookie;
  if (init.accept) headers.Accept = init.accept;
  return call(path, { method: init.method ?? 'GET', headers, redirect: 'manual' });
}

function postPassword(path: string, password: string, ip: string, accept?: string) {
  return call(path, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      'CF-Connecting-IP': ip,
      ...(accept ? { Accept: accept } : {}),
    },
    body: new URLSearchParams({ password }).toString(),
    redirect: 'manual',
  });
}

/** The `src`/`href` URLs on a page, in order, as absolute URLs. */
const urlsIn = (page: string, attribute: 'src' | 'href') =>
  [...page.matchAll(new RegExp(`${attribute}="([^"]+)"`, 'g'))].map((m) => m[1]!.replaceAll('&amp;', '&'));

const served = (url: string) => call(url.slice(BASE.length));

beforeAll(async () => {
  owner = await createUser('visit-owner');
  photo = await storeImage(owner.id, {
    filename: 'lighthouse.jpg',
    bytes: makeJpeg(640, 480),
    contentType: 'image/jpeg',
    width: 640,
    height: 480,
    isPrivate: true,
  });
});

describe('/s/{token}: an image link', () => {
  it('shows the image through short-lived signed URLs, counts the view and is never stored', async () => {
    const link = await create({ image_id: photo.id });
    const page = await visit(link.path);
    expect(page.status).toBe(200);
    expect(page.headers.get('Content-Type')).toContain('text/html');
    expect(page.headers.get('Cache-Control')).toBe('no-store');
    expect(page.headers.get('Content-Security-Policy')).toBe(CSP_SHARE_PAGE);
    const html = await page.text();
    expect(html).toContain('noindex');
    expect(html).not.toContain('Download the original');
    const [src] = urlsIn(html, 'src');
    expect(src).toMatch(/\/cdn\/visit-owner\/default\/lighthouse\.jpg\/w1024\?exp=\d+&sig=[0-9a-f]{64}$/);
    const exp = Number(new URL(src!).searchParams.get('exp'));
    expect(exp * 1000).toBeLessThanOrEqual(Date.now() + 15 * 60_000);
    // The private image is served through the signed URL only, never the plain one.
    expect((await served(src!)).status).toBe(200);
    expect((await call('/cdn/visit-owner/default/lighthouse.jpg/w1024')).status).toBe(403);
    // Without allow_download the original is linked nowhere.
    expect(urlsIn(html, 'href').some((url) => url.includes('lighthouse.jpg?'))).toBe(false);
    expect(await linkOf(link.id)).toMatchObject({ views: 1, state: 'active' });
    expect((await linkOf(link.id)).last_viewed_at).not.toBeNull();
  });

  it('offers the original when downloads are allowed, and signed URLs never outlive the link', async () => {
    const link = await create({ image_id: photo.id, allow_download: true, expires_in: 120 });
    const html = await (await visit(link.path)).text();
    expect(html).toContain('Download the original');
    const original = urlsIn(html, 'href').find((url) => /lighthouse\.jpg\?exp=/.test(url))!;
    expect(original).toBeDefined();
    const response = await served(original);
    expect(response.status).toBe(200);
    expect(readImageHeader(new Uint8Array(await response.arrayBuffer()))).toMatchObject({
      format: 'jpeg',
      width: 640,
    });
    const exp = Number(new URL(original).searchParams.get('exp'));
    expect(exp * 1000).toBeLessThanOrEqual(new Date(link.expires_at!).getTime());
  });

  it('counts no view for a HEAD', async () => {
    const link = await create({ image_id: photo.id, max_views: 1 });
    expect((await visit(link.path, { method: 'HEAD' })).status).toBe(200);
    expect((await linkOf(link.id)).views).toBe(0);
  });

  it('answers 404 for an unknown or malformed token, as a page or as JSON', async () => {
    expect((await visit('/s/AAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
    expect((await visit('/s/short')).status).toBe(404);
    const json = await visit('/s/AAAAAAAAAAAAAAAAAAAAAAAA', { accept: 'application/json' });
    expect(json.status).toBe(404);
    expect((await errorOf(json)).code).toBe('NOT_FOUND');
  });

  it('answers 410 once the target is in the trash', async () => {
    const doomed = await storeImage(owner.id, {
      filename: 'doomed.png',
      bytes: makePng(8, 8),
      contentType: 'image/png',
      width: 8,
      height: 8,
    });
    const link = await create({ image_id: doomed.id });
    expect((await call(`/v1/images/${doomed.id}`, authed(owner.key, { method: 'DELETE' }))).status).toBe(204);
    const page = await visit(link.path);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('has been removed');
  });
});

describe('one-time and limited links', () => {
  it('gives the last view of a one-time link to exactly one of many racing visitors', async () => {
    const link = await create({ image_id: photo.id, max_views: 1 });
    const answers = await Promise.all(Array.from({ length: 8 }, () => visit(link.path)));
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([200, 410, 410, 410, 410, 410, 410, 410]);
    const gone = answers.find((answer) => answer.status === 410)!;
    expect(await gone.text()).toContain('used up');
    expect(await linkOf(link.id)).toMatchObject({ views: 1, state: 'used_up' });

    // One share.viewed and one share.expired, whatever the race.
    const events = await createDb(env.DB)
      .select({ type: outboxEvents.type, payload: outboxEvents.payload })
      .from(outboxEvents)
      .where(eq(outboxEvents.ownerId, owner.id));
    const mine = events.filter((event) => (event.payload as { id: string }).id === link.id);
    expect(mine.map((event) => event.type).sort()).toEqual(['share.expired', 'share.viewed']);
    expect(mine[0]!.payload).toMatchObject({ id: link.id, views: 1, state: 'used_up' });
  });

  it('never counts past max_views under concurrency', async () => {
    const link = await create({ image_id: photo.id, max_views: 3 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => visit(link.path)));
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(3);
    expect((await linkOf(link.id)).views).toBe(3);
  });

  it('answers an API-style request to a used-up link with a JSON 410', async () => {
    const link = await create({ image_id: photo.id, max_views: 1 });
    expect((await visit(link.path)).status).toBe(200);
    const response = await visit(link.path, { accept: 'application/json' });
    expect(response.status).toBe(410);
    expect(response.headers.get('Content-Type')).toContain('application/json');
    expect(await errorOf(response)).toMatchObject({ code: 'GONE' });
  });

  it('answers 410 with a page saying so after expiry', async () => {
    const link = await create({ image_id: photo.id, expires_in: 60 });
    await createDb(env.DB)
      .update(shareLinks)
      .set({ expiresAt: new Date(Date.now() - 1) })
      .where(eq(shareLinks.id, link.id));
    const page = await visit(link.path);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('This link has expired.');
  });
});

describe('password-protected links', () => {
  it('asks for the password, refuses a wrong one, and opens with the right one for this link only', async () => {
    const ip = freshIp();
    const link = await create({ image_id: photo.id, password: 'correct horse' });
    const form = await visit(link.path, { ip });
    expect(form.status).toBe(200);
    const formHtml = await form.text();
    expect(formHtml).toContain('<form method="post">');
    expect(formHtml).not.toContain('lighthouse');
    expect((await linkOf(link.id)).views).toBe(0);
    expect((await visit(link.path, { ip, accept: 'application/json' })).status).toBe(401);

    const wrong = await postPassword(link.path, 'battery staple', ip);
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('Wrong password.');
    expect(wrong.headers.get('Set-Cookie')).toBeNull();

    const right = await postPassword(link.path, 'correct horse', ip);
    expect(right.status).toBe(303);
    expect(right.headers.get('Location')).toBe(link.path);
    const setCookie = right.headers.get('Set-Cookie')!;
    expect(setCookie).toContain(`Path=${link.path}`);
    expect(setCookie).toContain('HttpOnly');
    const cookie = setCookie.split(';')[0]!;
    const opened = await visit(link.path, { ip, cookie });
    expect(opened.status).toBe(200);
    expect(await opened.text()).toContain('lighthouse.jpg/w1024?exp=');
    expect((await linkOf(link.id)).views).toBe(1);

    // The cookie is bound to its link: another protected link still asks, and a forged one fails too.
    const other = await create({ image_id: photo.id, password: 'correct horse' });
    expect(await (await visit(other.path, { ip, cookie })).text()).toContain('<form method="post">');
    const forged = cookie.replace(/\.[0-9a-f]/, (m) => (m === '.a' ? '.b' : '.a'));
    expect(await (await visit(link.path, { ip, cookie: forged })).text()).toContain('<form method="post">');
  });

  it('limits wrong passwords per link, from any address, even before a right one', async () => {
    const link = await cheapProtectedLink('right one');
    for (let i = 0; i < 10; i++)
      expect((await postPassword(link.path, `guess ${i}`, freshIp())).status).toBe(401);
    const limited = await postPassword(link.path, 'right one', freshIp());
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(await limited.text()).toContain('Too many wrong passwords');
    const json = await postPassword(link.path, 'right one', freshIp(), 'application/json');
    expect(json.status).toBe(429);
    expect((await errorOf(json)).code).toBe('RATE_LIMITED');
  });

  it('limits wrong passwords per address, across links', async () => {
    const ip = freshIp();
    for (let i = 0; i < 20; i++) {
      const link = await cheapProtectedLink(`secret ${i}`);
      expect((await postPassword(link.path, 'wrong guess', ip)).status).toBe(401);
    }
    const fresh = await cheapProtectedLink('fresh secret');
    expect((await postPassword(fresh.path, 'fresh secret', ip)).status).toBe(429);
    // Another address is not affected.
    expect((await postPassword(fresh.path, 'fresh secret', freshIp())).status).toBe(303);
  });
});

describe('/s/{token}: an album link', () => {
  it("shows the album's grid: private images signed, encrypted and trashed ones left out", async () => {
    const album = (await (
      await call(
        '/v1/albums',
        authed(owner.key, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ slug: 'coast', title: 'The coast', description: 'Cliffs & coves' }),
        }),
      )
    ).json()) as { id: string };
    const put = async (filename: string, isPrivate: boolean) => {
      const image = await storeImage(owner.id, {
        filename,
        bytes: makePng(300, 200),
        contentType: 'image/png',
        width: 300,
        height: 200,
        album: 'coast',
        isPrivate,
      });
      await env.DB.prepare('UPDATE images SET album_id = ? WHERE id = ?').bind(album.id, image.id).run();
      return image;
    };
    await put('cliff.png', false);
    await put('cove.png', true);
    const sealed = await put('sealed.png', false);
    const binned = await put('binned.png', false);
    await env.DB.prepare('UPDATE images SET is_encrypted = 1 WHERE id = ?').bind(sealed.id).run();
    await env.DB.prepare('UPDATE images SET deleted_at = ? WHERE id = ?').bind(Date.now(), binned.id).run();

    const link = await create({ album: 'coast' });
    const page = await visit(link.path);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<h1>The coast</h1>');
    expect(html).toContain('Cliffs &amp; coves');
    const sources = urlsIn(html, 'src');
    expect(sources.map((url) => new URL(url).pathname).sort()).toEqual([
      '/cdn/visit-owner/coast/cliff.png/w256',
      '/cdn/visit-owner/coast/cove.png/w256',
    ]);
    for (const url of sources) {
      expect(url).toMatch(/\?exp=\d+&sig=[0-9a-f]{64}$/);
      const response = await served(url);
      expect(response.status, url).toBe(200);
    }
    // Each image links to its larger preset (no download allowed), signed too.
    const targets = urlsIn(html, 'href').filter((url) => url.includes('/cdn/'));
    expect(targets.every((url) => /\/w1024\?exp=/.test(url))).toBe(true);
    expect((await linkOf(link.id)).views).toBe(1);
  });
});
