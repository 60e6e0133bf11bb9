import { RATE_LIMITS } from '@pixelflare/config';
import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeJpeg, storeImage, type StoredImage } from '../../test/fixtures/cdn/images';
import { fixture } from '../../test/fixtures/fixtures.generated';
import { authed, call, createUser, errorOf, type TestUser } from '../../test/helpers';
import { generateApiKey } from '../services/keys/api-key-secret';

afterEach(() => vi.restoreAllMocks());

let owner: TestUser;
let photo: StoredImage;
let drawing: StoredImage;
let hidden: StoredImage;

beforeAll(async () => {
  owner = await createUser('security');
  photo = await storeImage(owner.id, {
    filename: 'quay.jpg',
    bytes: makeJpeg(200, 100),
    contentType: 'image/jpeg',
    width: 200,
    height: 100,
  });
  drawing = await storeImage(owner.id, {
    filename: 'logo.svg',
    bytes: fixture('clean.svg'),
    contentType: 'image/svg+xml',
    width: 10,
    height: 10,
  });
  hidden = await storeImage(owner.id, {
    filename: 'hidden.jpg',
    bytes: makeJpeg(20, 10),
    contentType: 'image/jpeg',
    width: 20,
    height: 10,
    isPrivate: true,
  });
});

/** No script, no plugin, no framing; and the browser must not guess another type than the one declared. */
function expectUserBytesHeaders(response: Response, what: string) {
  const csp = response.headers.get('Content-Security-Policy') ?? '';
  expect(csp.split(';')[0]?.trim(), `${what}: CSP`).toBe("default-src 'none'");
  expect(response.headers.get('X-Content-Type-Options'), `${what}: nosniff`).toBe('nosniff');
}

describe('user bytes are served with a no-script CSP and nosniff', () => {
  it('on every CDN answer form: originals, short links, presets (miss, hit), transforms, SVG, HEAD, 304, ranges, errors', async () => {
    const base = `/cdn/${owner.slug}/${photo.albumSlug}/${photo.filename}`;
    const forms: [string, string, RequestInit?, number?][] = [
      ['original', base],
      ['original again (Cache API hit)', base],
      ['HEAD', base, { method: 'HEAD' }],
      ['short link', `/cdn/i/${photo.shortId}`],
      ['preset miss', `${base}/w128`, { headers: { Accept: 'image/webp' } }],
      ['preset hit', `${base}/w128`, { headers: { Accept: 'image/webp' } }],
      ['transform', `${base}?w=50&f=png`],
      ['SVG', `/cdn/${owner.slug}/${drawing.albumSlug}/${drawing.filename}`],
      ['SVG preset', `/cdn/${owner.slug}/${drawing.albumSlug}/${drawing.filename}/w128`],
      ['range', base, { headers: { Range: 'bytes=0-9' } }, 206],
      ['unknown image', `/cdn/${owner.slug}/${photo.albumSlug}/nope.jpg`, undefined, 404],
      ['bad transform', `${base}?w=abc`, undefined, 400],
      ['private, unsigned', `/cdn/${owner.slug}/${hidden.albumSlug}/${hidden.filename}`, undefined, 403],
    ];
    for (const [what, path, init, status = 200] of forms) {
      const response = await call(path, init);
      expect(response.status, what).toBe(status);
      expectUserBytesHeaders(response, what);
      if (what.startsWith('SVG')) {
        expect(response.headers.get('Content-Security-Policy'), what).toContain('sandbox');
      }
      await response.arrayBuffer();
    }
    const first = await call(base);
    const etag = first.headers.get('ETag')!;
    await first.arrayBuffer();
    const notModified = await call(base, { headers: { 'If-None-Match': etag } });
    expect(notModified.status).toBe(304);
    expectUserBytesHeaders(notModified, '304');
  });

  it("on the owner's download of an original (/v1/images/{id}/download)", async () => {
    const response = await call(`/v1/images/${photo.id}/download`, authed(owner.key));
    expect(response.status).toBe(200);
    expectUserBytesHeaders(response, 'download');
    expect(response.headers.get('Content-Disposition')).toMatch(/^attachment; /);
  });
});

describe('downloads of hostile stored names', () => {
  it('answer one safe Content-Disposition line (quotes, backslashes, CR/LF and RTL overrides never reach it raw)', async () => {
    // A name as an older row (or a direct write) could hold it; uploads are sanitised before storing.
    const name = 'inv"oice\\\r\nSet-Cookie: x=1\u202egpj.jpg';
    const stored = await storeImage(owner.id, {
      filename: name,
      bytes: makeJpeg(8, 8),
      contentType: 'image/jpeg',
      width: 8,
      height: 8,
    });
    const response = await call(`/v1/images/${stored.id}/download`, authed(owner.key));
    expect(response.status).toBe(200);
    const header = response.headers.get('Content-Disposition')!;
    expect(header).toBe(
      `attachment; filename="inv_oice___Set-Cookie: x=1_gpj.jpg"; filename*=UTF-8''${encodeURIComponent(name).replace(/'/g, '%27')}`,
    );
    expect(response.headers.get('Set-Cookie')).toBeNull();
    await response.arrayBuffer();
  });
});

describe('brute force on credentials: the failed-auth bucket', () => {
  it('refuses an address with 429 after RATE_LIMITS.failedAuth bad API keys, before checking any key', async () => {
    const attacker = { 'CF-Connecting-IP': '203.0.113.66' };
    const { capacity } = RATE_LIMITS.failedAuth;
    for (let i = 0; i < capacity; i++) {
      const response = await call('/v1/albums', authed(generateApiKey().key, { headers: attacker }));
      expect(response.status, `guess ${i + 1}`).toBe(401);
    }
    const refused = await call('/v1/albums', authed(generateApiKey().key, { headers: attacker }));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(await errorOf(refused)).toMatchObject({ code: 'RATE_LIMITED', message: /failed API key/ });
    // Even a right guess is not checked from that address now: guessing gives nothing.
    expect((await call('/v1/albums', authed(owner.key, { headers: attacker }))).status).toBe(429);
    // Other addresses, and requests without a key, are untouched.
    const elsewhere = { 'CF-Connecting-IP': '198.51.100.9' };
    expect((await call('/v1/albums', authed(owner.key, { headers: elsewhere }))).status).toBe(200);
    expect((await call('/v1/status', { headers: attacker })).status).toBe(200);
  });

  it('counts failed sign-ins on /auth apart from API keys', async () => {
    const attacker = { 'CF-Connecting-IP': '203.0.113.77' };
    const failedSignIn = () =>
      call('/auth/signin/oidc', {
        method: 'POST',
        headers: { ...attacker, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ callbackUrl: '/' }),
        redirect: 'manual',
      });
    for (let i = 0; i < RATE_LIMITS.failedAuth.capacity; i++) {
      const response = await failedSignIn();
      expect(response.headers.get('Location'), `attempt ${i + 1}`).toMatch(
        /\/auth\/sign-in\?error=MissingCSRF$/,
      );
    }
    const refused = await failedSignIn();
    expect(refused.status).toBe(429);
    expect(await errorOf(refused)).toMatchObject({ code: 'RATE_LIMITED', message: /failed sign-in/ });
    // The API key bucket of that address is another one.
    expect((await call('/v1/albums', authed(owner.key, { headers: attacker }))).status).toBe(200);
  });
});

describe('secrets never reach the logs', () => {
  it('after flows that create, use, rotate and reject keys, tokens, webhook secrets and signatures', async () => {
    const lines: string[] = [];
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        lines.push(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
      });
    }
    const json = (body: unknown, init: RequestInit = {}) =>
      authed(owner.key, {
        ...init,
        method: init.method ?? 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const secrets: string[] = [owner.key, env.API_HASH_SECRET, env.AUTH_SECRET, env.ENCRYPTION_KEY!];

    const created = await call('/v1/keys', json({ name: 'ci', scopes: ['read'] }));
    expect(created.status).toBe(201);
    const newKey = ((await created.json()) as { key: string }).key;
    secrets.push(newKey);
    expect((await call('/v1/albums', authed(newKey))).status).toBe(200);

    const hook = await call('/v1/webhooks', json({ url: 'https://hooks.example.com/in' }));
    expect(hook.status).toBe(201);
    const { id: hookId, secret } = (await hook.json()) as { id: string; secret: string };
    secrets.push(secret);
    const rotated = await call(`/v1/webhooks/${hookId}/rotate-secret`, json({}));
    expect(rotated.ok).toBe(true);
    secrets.push(((await rotated.json()) as { secret: string }).secret);

    const signed = await call(`/v1/images/${hidden.id}/signed-url`, json({}));
    expect(signed.ok).toBe(true);
    const signedUrl = new URL(((await signed.json()) as { url: string }).url);
    secrets.push(signedUrl.searchParams.get('sig')!);
    expect((await call(signedUrl.pathname + signedUrl.search)).status).toBe(200);

    const twoStep = await call('/v1/images', json({ filename: 'later.jpg' }));
    expect(twoStep.status).toBe(201);
    const uploadUrl = new URL(((await twoStep.json()) as { upload_url: string }).upload_url);
    for (const value of uploadUrl.searchParams.values()) if (value.length >= 16) secrets.push(value);
    // A token with a bad body (refused) must not be logged either.
    expect(
      (await call(uploadUrl.pathname + uploadUrl.search, { method: 'PUT', body: 'nope' })).status,
    ).toBeGreaterThanOrEqual(400);

    const guessed = generateApiKey().key;
    secrets.push(guessed);
    expect((await call('/v1/albums', authed(guessed))).status).toBe(401);

    expect(lines.length).toBeGreaterThan(5);
    const log = lines.join('\n');
    for (const value of secrets) {
      expect(value.length).toBeGreaterThanOrEqual(16);
      expect(log.includes(value), `a secret starting ${value.slice(0, 6)} is in the logs`).toBe(false);
    }
    // The key's secret part alone, too (a log might print the key without its prefix).
    expect(log.includes(newKey.slice(-24))).toBe(false);
  });
});
