import { createDb, customDomains } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { makePng, storeImage, type StoredImage } from '../../test/fixtures/cdn/images';
import { domainBindings, fetchWith, uniqueHostname } from '../../test/fixtures/domain-helpers';
import { authed, BASE, createUser, errorOf, type TestUser } from '../../test/helpers';
import { loadEnv } from '../lib/env';
import { signingDepsOf } from '../services/images/resource';
import { removeCustomDomain } from '../services/domains/domains';
import { domainDepsOf } from '../services/domains/deps';
import { signedImageUrl } from '../services/variants/signed-url';

const db = createDb(env.DB);
const { bindings } = domainBindings();
let alice: TestUser;
let bob: TestUser;
let beach: StoredImage;
let secret: StoredImage;
let bobs: StoredImage;
const aliceHost = uniqueHostname('alice');
const bobHost = uniqueHostname('bob');
const pendingHost = uniqueHostname('pending');

const png = (width: number, height: number) => ({
  bytes: makePng(width, height),
  contentType: 'image/png' as const,
  width,
  height,
});

beforeAll(async () => {
  alice = await createUser('alice');
  bob = await createUser('bob');
  const carol = await createUser('carol');
  beach = await storeImage(alice.id, { filename: 'beach.png', album: 'holiday', ...png(64, 48) });
  secret = await storeImage(alice.id, {
    filename: 'secret.png',
    album: 'holiday',
    isPrivate: true,
    ...png(8, 8),
  });
  bobs = await storeImage(bob.id, { filename: 'beach.png', album: 'holiday', ...png(32, 32) });
  const now = new Date();
  await db.insert(customDomains).values([
    { id: 'dom_alice', ownerId: alice.id, hostname: aliceHost, status: 'active', verifiedAt: now },
    { id: 'dom_bob', ownerId: bob.id, hostname: bobHost, status: 'active', verifiedAt: now },
    { id: 'dom_carol', ownerId: carol.id, hostname: pendingHost, status: 'pending' },
  ]);
});

const on = (host: string, path: string, init: RequestInit = {}) =>
  fetchWith(bindings, `https://${host}${path}`, init);
const bytesOf = async (response: Response) => new Uint8Array(await response.arrayBuffer());

describe('routing by Host on an active custom domain', () => {
  it('serves the owner’s images without the owner segment, in every URL form, the same bytes as /cdn', async () => {
    const canonical = await bytesOf(await fetchWith(bindings, `${BASE}/cdn/alice/holiday/beach.png`));
    for (const path of ['/holiday/beach.png', '/holiday/beach.png/original', `/i/${beach.shortId}`]) {
      const response = await on(aliceHost, path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('Content-Type')).toBe('image/png');
      expect(await bytesOf(response)).toEqual(canonical);
    }
    for (const path of [
      '/holiday/beach.png/thumb',
      `/i/${beach.shortId}/w256`,
      '/holiday/beach.png?w=20&format=png',
    ]) {
      const response = await on(aliceHost, path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('Content-Type'), path).toMatch(/^image\//);
    }
    const resized = await on(aliceHost, '/holiday/beach.png?w=20&format=png');
    expect(resized.headers.get('Content-Type')).toBe('image/png');
  });

  it('serves a private image only with a valid signature, the one a /cdn URL carries', async () => {
    expect((await on(aliceHost, '/holiday/secret.png')).status).toBe(403);
    const config = loadEnv(bindings);
    const signed = new URL(
      await signedImageUrl(
        signingDepsOf(bindings, config),
        { ownerId: alice.id, ownerSlug: 'alice', albumSlug: 'holiday', filename: 'secret.png' },
        { expires: Math.floor(Date.now() / 1000) + 600 },
      ),
    );
    const search = signed.search;
    const response = await on(aliceHost, `/holiday/secret.png${search}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toContain('private');
    // Change the signature's first character to one it is not (a fixed '0' left it unchanged when it began with 0).
    const tamperedSearch = search.replace(
      /sig=(.)/,
      (_, first: string) => `sig=${first === '0' ? '1' : '0'}`,
    );
    expect(tamperedSearch).not.toBe(search);
    const tampered = await on(aliceHost, `/holiday/secret.png${tamperedSearch}`);
    expect(tampered.status).toBe(403);
    expect(secret.shortId).toBeTruthy();
  });

  it('never serves another tenant’s image: bob’s short id is 404 on alice’s domain, even once cached', async () => {
    // Bob's image warmed into the Cache API through the product's own host and through his domain.
    expect((await fetchWith(bindings, `${BASE}/cdn/i/${bobs.shortId}`)).status).toBe(200);
    expect((await on(bobHost, `/i/${bobs.shortId}`)).status).toBe(200);
    expect((await on(bobHost, `/i/${bobs.shortId}`)).headers.get('X-Cache')).toBe('hit');
    for (const path of [`/i/${bobs.shortId}`, `/i/${bobs.shortId}/thumb`]) {
      const response = await on(aliceHost, path);
      expect(response.status, path).toBe(404);
      expect((await errorOf(response)).code).toBe('NOT_FOUND');
    }
    // The same path on each domain is each owner's own image.
    const [onAlice, onBob] = await Promise.all([
      bytesOf(await on(aliceHost, '/holiday/beach.png')),
      bytesOf(await on(bobHost, '/holiday/beach.png')),
    ]);
    expect(onAlice).not.toEqual(onBob);
    // Alice's owner segment is just an album name there.
    expect((await on(bobHost, '/alice/holiday/beach.png')).status).toBeGreaterThanOrEqual(400);
  });

  it('counts a custom-host answer for its image and variant, miss and hit, with no stamp leaving the Worker', async () => {
    await env.DB.prepare('DELETE FROM analytics_events WHERE image_id = ?').bind(beach.id).run();
    const path = '/holiday/beach.png/w128';
    const miss = await on(aliceHost, path, { headers: { Accept: 'image/webp' } });
    const hit = await on(aliceHost, path, { headers: { Accept: 'image/webp' } });
    expect([miss.headers.get('X-Cache'), hit.headers.get('X-Cache')]).toEqual(['miss', 'hit']);
    for (const response of [miss, hit]) {
      expect([...response.headers.keys()].filter((name) => name.startsWith('x-pixelflare'))).toEqual([]);
    }
    const rows = await env.DB.prepare(
      'SELECT owner_id, variant, cache FROM analytics_events WHERE image_id = ? ORDER BY id',
    )
      .bind(beach.id)
      .all<{ owner_id: string; variant: string; cache: string }>();
    expect(rows.results).toEqual([
      { owner_id: alice.id, variant: 'w128', cache: 'miss' },
      { owner_id: alice.id, variant: 'w128', cache: 'hit' },
    ]);
  });

  it('is 404 for a host that is no active domain, and the API is not served on custom hosts', async () => {
    for (const host of [pendingHost, 'unknown-host.photos-of-nobody.com']) {
      const response = await on(host, '/holiday/beach.png');
      expect(response.status, host).toBe(404);
    }
    const api = await on(aliceHost, '/v1/me', authed(alice.key));
    expect(api.status).toBe(404);
    expect(await api.text()).not.toContain(alice.id);
    // The product's own host still serves everything.
    expect((await fetchWith(bindings, `${BASE}/v1/me`, authed(alice.key))).status).toBe(200);
  });

  it('stops serving a domain once it is removed (the host cache is invalidated)', async () => {
    const host = uniqueHostname('removed');
    // One domain per account: alice's moves to a new name (directly), then is removed through the service.
    await db.delete(customDomains).where(eq(customDomains.id, 'dom_alice'));
    await db
      .insert(customDomains)
      .values({ id: 'dom_removed', ownerId: alice.id, hostname: host, status: 'active' });
    expect((await on(host, '/holiday/beach.png')).status).toBe(200);
    expect(await env.KV.get(`custom-host:${host}`)).not.toBeNull();
    await removeCustomDomain(domainDepsOf(bindings, loadEnv(bindings)), alice.id);
    expect(await env.KV.get(`custom-host:${host}`)).toBeNull();
    expect((await on(host, '/holiday/beach.png')).status).toBe(404);
    await db
      .insert(customDomains)
      .values({ id: 'dom_alice', ownerId: alice.id, hostname: aliceHost, status: 'active' });
  });
});

describe('hotlink protection', () => {
  const put = (user: TestUser, body: unknown) =>
    fetchWith(
      bindings,
      `${BASE}/v1/hotlink`,
      authed(user.key, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      }),
    );
  const fromSite = (referer: string | null, path = '/cdn/bob/holiday/beach.png') =>
    fetchWith(bindings, `${BASE}${path}`, referer === null ? {} : { headers: { Referer: referer } });

  it('refuses other sites with a small 403 JSON that is never cached, on misses and on cached answers', async () => {
    // Cached before the policy exists, so the refusal below is checked on a Cache API hit too.
    expect((await fromSite('https://evil.example.net/page')).status).toBe(200);
    const saved = await put(bob, {
      enabled: true,
      allowed_referrers: ['*.Friends-Of-Bob.com', 'blog.example.org'],
      allow_empty_referrer: false,
    });
    expect(saved.status).toBe(200);
    expect(await saved.json()).toMatchObject({
      enabled: true,
      allowed_referrers: ['*.friends-of-bob.com', 'blog.example.org'],
      allow_empty_referrer: false,
    });
    for (const path of [
      '/cdn/bob/holiday/beach.png',
      `/cdn/i/${bobs.shortId}`,
      '/cdn/bob/holiday/beach.png/thumb',
    ]) {
      const refused = await fromSite('https://evil.example.net/page', path);
      expect(refused.status, path).toBe(403);
      expect(refused.headers.get('Content-Type')).toContain('application/json');
      expect(refused.headers.get('Cache-Control')).toBe('no-store');
      expect(refused.headers.get('Vary')).toContain('Referer');
      expect((await errorOf(refused)).code).toBe('FORBIDDEN');
    }
    for (const referer of [
      'https://friends-of-bob.com/',
      'https://www.friends-of-bob.com/post/1',
      'https://blog.example.org/x',
      `https://${bobHost}/gallery`,
      'http://localhost:5173/library',
    ]) {
      const allowed = await fromSite(referer);
      expect(allowed.status, referer).toBe(200);
      expect(allowed.headers.get('Vary'), referer).toContain('Referer');
    }
    // Suffix tricks are not subdomains.
    expect((await fromSite('https://notfriends-of-bob.com/')).status).toBe(403);
    expect((await fromSite('https://blog.example.org.evil.net/')).status).toBe(403);
    expect((await fromSite('not a url')).status).toBe(403);
    // An empty Referer: refused as chosen, then allowed.
    expect((await fromSite(null)).status).toBe(403);
    await put(bob, { enabled: true, allowed_referrers: ['blog.example.org'], allow_empty_referrer: true });
    expect((await fromSite(null)).status).toBe(200);
    // Another owner's images are not affected by bob's policy.
    expect((await fromSite('https://evil.example.net/', '/cdn/alice/holiday/beach.png')).status).toBe(200);
    expect(
      (await fromSite('https://evil.example.net/', '/cdn/alice/holiday/beach.png')).headers.get('Vary') ?? '',
    ).not.toContain('Referer');
    // Off again: anyone may embed.
    await put(bob, { enabled: false, allowed_referrers: [], allow_empty_referrer: true });
    expect((await fromSite('https://evil.example.net/')).status).toBe(200);
  });

  it('validates the allowlist and its limit', async () => {
    const tooMany = await put(bob, {
      enabled: true,
      allowed_referrers: Array.from({ length: 51 }, (_, i) => `site-${i}.example.org`),
      allow_empty_referrer: true,
    });
    expect(tooMany.status).toBe(400);
    const malformed = await put(bob, {
      enabled: true,
      allowed_referrers: ['https://x.org/path'],
      allow_empty_referrer: true,
    });
    expect(malformed.status).toBe(400);
    expect((await errorOf(malformed)).code).toBe('VALIDATION_FAILED');
    const fifty = await put(bob, {
      enabled: false,
      allowed_referrers: Array.from({ length: 50 }, (_, i) => `site-${i}.example.org`),
      allow_empty_referrer: true,
    });
    expect(fifty.status).toBe(200);
  });
});
