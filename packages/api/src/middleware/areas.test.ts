import { CSP_API, CSP_CDN, RATE_LIMITS } from '@pixelflare/config';
import { albums, auditLogs, createDb } from '@pixelflare/database';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { makePng, storeImage, type StoredImage } from '../../test/fixtures/cdn/images';
import { authed, BASE, createUser, errorOf, type TestUser } from '../../test/helpers';
import { createApp } from '../app';

/**
 * Each area runs its own middleware: `/cdn` (public images, the hot path) runs request id + logging, CORS,
 * security headers and errors only; `/v1` adds authentication, rate limiting and audit, in that order.
 */

const CDN_HOST = 'img.areas.test';
const app = createApp();
const bindings = { api: env, cdnHost: { ...env, CDN_HOSTNAME: CDN_HOST } } as const;

async function fetchOn(host: keyof typeof bindings, url: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(url, init), bindings[host], ctx);
  const body = await response.arrayBuffer();
  await waitOnExecutionContext(ctx);
  return new Response(body, { status: response.status, headers: response.headers });
}

/**
 * Empties a token bucket for the next minute. Buckets refill with wall-clock time (a key's in tens of ms), so
 * one emptied "now" may refill before a request on a loaded machine reaches it; dated ahead, it cannot.
 */
async function exhaustBucket(key: string) {
  await env.KV.put(`rl:${key}`, JSON.stringify({ tokens: 0, updatedAt: Date.now() + 60_000 }));
}

const auditRowsOf = (ownerId: string) =>
  createDb(env.DB).select().from(auditLogs).where(eq(auditLogs.ownerId, ownerId));

let owner: TestUser;
let image: StoredImage;
beforeAll(async () => {
  owner = await createUser('areas-owner');
  image = await storeImage(owner.id, {
    filename: 'dot.png',
    bytes: makePng(4, 4),
    contentType: 'image/png',
    width: 4,
    height: 4,
  });
});

describe('the CDN area', () => {
  it('serves without authenticating: a bad credential is not even looked at', async () => {
    const response = await fetchOn(
      'api',
      `${BASE}/cdn/i/${image.shortId}`,
      authed('pf_not-a-real-key', { headers: { Origin: 'https://blog.example' } }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('image/png');
    // The outer layers still run: request id, public CORS, the CDN's CSP.
    expect(response.headers.get('X-Request-Id')).toMatch(/^req_/);
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe('*');
    expect(response.headers.get('Access-Control-Allow-Credentials')).toBeNull();
    expect(response.headers.get('Content-Security-Policy')).toBe(CSP_CDN);
    const failures = await createDb(env.DB)
      .select()
      .from(auditLogs)
      .where(eq(auditLogs.action, 'auth.api_key_failed'));
    expect(failures).toEqual([]);
  });

  it('does not draw from the API rate limit', async () => {
    const ip = '203.0.113.41';
    await exhaustBucket(`ip:${ip}`);
    const headers = { 'CF-Connecting-IP': ip };
    const api = await fetchOn('api', `${BASE}/v1/status`, { headers });
    expect(api.status).toBe(429);
    const cdn = await fetchOn('api', `${BASE}/cdn/i/${image.shortId}`, { headers });
    expect(cdn.status).toBe(200);
    expect(cdn.headers.get('RateLimit-Limit')).toBeNull();
  });

  it('audits nothing, even a mutating request from a signed-in caller', async () => {
    const response = await fetchOn(
      'api',
      `${BASE}/cdn/i/${image.shortId}`,
      authed(owner.key, { method: 'POST' }),
    );
    expect(response.status).toBe(404);
    expect(await auditRowsOf(owner.id)).toEqual([]);
  });

  it('on the dedicated CDN hostname, takes every path, /v1 ones included, through the CDN layers only', async () => {
    const served = await fetchOn('cdnHost', `https://${CDN_HOST}/i/${image.shortId}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('Content-Security-Policy')).toBe(CSP_CDN);

    const ip = '203.0.113.42';
    await exhaustBucket(`ip:${ip}`);
    const notTheApi = await fetchOn(
      'cdnHost',
      `https://${CDN_HOST}/v1/albums`,
      authed(owner.key, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': ip },
        body: JSON.stringify({ slug: 'via-cdn-host', title: 'Via the CDN host' }),
      }),
    );
    expect(notTheApi.status).toBe(404);
    expect(notTheApi.headers.get('RateLimit-Limit')).toBeNull();
    expect(notTheApi.headers.get('Content-Security-Policy')).toBe(CSP_CDN);
    expect(await createDb(env.DB).select().from(albums).where(eq(albums.ownerId, owner.id))).toEqual([]);
    expect(await auditRowsOf(owner.id)).toEqual([]);
  });
});

describe('the API area', () => {
  it('authenticates, then rate-limits by the caller it found, then audits what that caller did', async () => {
    const user = await createUser('areas-api');
    const response = await fetchOn(
      'api',
      `${BASE}/v1/albums`,
      authed(user.key, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: 'http://localhost:5173' },
        body: JSON.stringify({ slug: 'trip', title: 'Trip' }),
      }),
    );
    expect(response.status).toBe(201);
    // Outer layers: request id, allowlisted CORS with credentials, the API's CSP and caching.
    expect(response.headers.get('X-Request-Id')).toMatch(/^req_/);
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe('http://localhost:5173');
    expect(response.headers.get('Access-Control-Allow-Credentials')).toBe('true');
    expect(response.headers.get('Content-Security-Policy')).toBe(CSP_API);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    // Rate limiting ran after authentication: the key's bucket, not the anonymous one.
    expect(Number(response.headers.get('RateLimit-Limit'))).toBeGreaterThanOrEqual(
      RATE_LIMITS.authenticated.capacity,
    );
    // Audit ran inside both, naming the key that acted.
    const rows = await auditRowsOf(user.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor: `key:${user.keyId}`, outcome: 'success' });
  });

  it('refuses a caller whose bucket is empty before the handler runs', async () => {
    const user = await createUser('areas-limited');
    await exhaustBucket(`api:key:${user.keyId}`);
    const response = await fetchOn(
      'api',
      `${BASE}/v1/albums`,
      authed(user.key, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ slug: 'never', title: 'Never made' }),
      }),
    );
    expect(response.status).toBe(429);
    expect((await errorOf(response)).code).toBe('RATE_LIMITED');
    expect(await createDb(env.DB).select().from(albums).where(eq(albums.ownerId, user.id))).toEqual([]);
  });
});

describe('outside the areas', () => {
  it('answers 404 JSON with a request id, and nothing per caller runs', async () => {
    const response = await fetchOn('api', `${BASE}/not-an-area.txt`, authed('pf_not-a-real-key'));
    expect(response.status).toBe(404);
    expect((await errorOf(response)).code).toBe('NOT_FOUND');
    expect(response.headers.get('X-Request-Id')).toMatch(/^req_/);
    expect(response.headers.get('RateLimit-Limit')).toBeNull();
  });
});
