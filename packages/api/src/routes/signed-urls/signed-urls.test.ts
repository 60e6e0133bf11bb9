import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg, storeImage, type StoredImage } from '../../../test/fixtures/cdn/images';
import { authed, BASE, call, createUser, errorOf, type TestUser } from '../../../test/helpers';
import { createApp } from '../../app';
import { readImageHeader } from '../../engines/image-size';
import { rotateSigningSecret, signCdnPath } from '../../services/variants/signing';

let owner: TestUser;
let stranger: TestUser;
let secret: StoredImage;

const mint = (user: TestUser, imageId: string, body: unknown = {}) =>
  call(
    `/v1/images/${imageId}/signed-url`,
    authed(user.key, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
const pathOf = (url: string) => url.slice(BASE.length);
/** The `private, max-age=N` an answer to a signed URL carries (null for any other Cache-Control). */
const maxAgeOf = (response: Response) => {
  const match = /^private, max-age=(\d+)$/.exec(response.headers.get('Cache-Control') ?? '');
  return match ? Number(match[1]) : null;
};

beforeAll(async () => {
  owner = await createUser('priya');
  stranger = await createUser('sam');
  secret = await storeImage(owner.id, {
    filename: 'secret.jpg',
    bytes: makeJpeg(800, 600),
    contentType: 'image/jpeg',
    width: 800,
    height: 600,
    isPrivate: true,
  });
});

describe('private images and signed URLs', () => {
  it('refuses a private image without a signature, by path and by short id', async () => {
    for (const path of [
      '/cdn/priya/default/secret.jpg',
      `/cdn/i/${secret.shortId}`,
      '/cdn/priya/default/secret.jpg/w128',
    ]) {
      const response = await call(path);
      expect(response.status).toBe(403);
      expect((await errorOf(response)).message).toContain('signed URL');
    }
  });

  it('mints a URL that serves the image, the preset and the transform it was signed for', async () => {
    const original = await mint(owner, secret.id);
    expect(original.status).toBe(201);
    const body = (await original.json()) as { url: string; expires_at: string };
    expect(body.url).toMatch(
      /^http:\/\/localhost:8787\/cdn\/priya\/default\/secret\.jpg\?exp=\d+&sig=[0-9a-f]{64}$/,
    );
    expect(new Date(body.expires_at).getTime()).toBeGreaterThan(Date.now() + 3500_000);
    const served = await call(pathOf(body.url));
    expect(served.status).toBe(200);
    expect(maxAgeOf(served)).toBeGreaterThan(3500);
    expect(maxAgeOf(served)).toBeLessThanOrEqual(3600);

    const { url } = (await (
      await mint(owner, secret.id, { ttl: 600, variant: 'w128', transform: 'format=png' })
    ).json()) as {
      url: string;
    };
    const variant = await call(pathOf(url));
    expect(variant.status).toBe(200);
    expect(readImageHeader(new Uint8Array(await variant.arrayBuffer()))).toEqual({
      format: 'png',
      width: 128,
      height: 96,
    });
  });

  it("keeps a public image's signed answer private and no longer than the URL lives", async () => {
    const open = await storeImage(owner.id, {
      filename: 'open.jpg',
      bytes: makeJpeg(400, 300),
      contentType: 'image/jpeg',
      width: 400,
      height: 300,
    });
    const unsigned = await call('/cdn/priya/default/open.jpg/w128');
    expect(unsigned.status).toBe(200);
    expect(unsigned.headers.get('Cache-Control')).toContain('immutable');
    const { url } = (await (await mint(owner, open.id, { ttl: 600, variant: 'w128' })).json()) as {
      url: string;
    };
    const signed = await call(pathOf(url));
    expect(signed.status).toBe(200);
    expect(maxAgeOf(signed)).toBeGreaterThan(500);
    expect(maxAgeOf(signed)).toBeLessThanOrEqual(600);
  });

  it('refuses a tampered signature, changed parameters or another path', async () => {
    const { url } = (await (await mint(owner, secret.id, { transform: 'w=100' })).json()) as { url: string };
    const path = pathOf(url);
    expect((await call(path.replace('w=100', 'w=2000'))).status).toBe(403);
    expect(
      (await call(path.replace(/sig=([0-9a-f])/, (_m, c: string) => `sig=${c === 'a' ? 'b' : 'a'}`))).status,
    ).toBe(403);
    expect((await call(path.replace('/secret.jpg', '/secret.jpg/w128'))).status).toBe(403);
    expect((await call(path)).status).toBe(200);
  });

  it('refuses an expired signature', async () => {
    const path = '/cdn/priya/default/secret.jpg';
    const expires = Math.floor(Date.now() / 1000) - 10;
    const sig = await signCdnPath({
      kv: env.KV,
      serverSecret: env.API_HASH_SECRET,
      ownerId: owner.id,
      path,
      query: [],
      expires,
    });
    const response = await call(`${path}?exp=${expires}&sig=${sig}`);
    expect(response.status).toBe(403);
    expect((await errorOf(response)).message).toContain('expired');
  });

  it('invalidates earlier URLs when the owner rotates the signing secret', async () => {
    const { url } = (await (await mint(owner, secret.id)).json()) as { url: string };
    expect((await call(pathOf(url))).status).toBe(200);
    await rotateSigningSecret(env.KV, owner.id);
    expect((await call(pathOf(url))).status).toBe(403);
  });

  it("answers 404 for another tenant's image and 400 for a bad transform", async () => {
    expect((await mint(stranger, secret.id)).status).toBe(404);
    const bad = await mint(owner, secret.id, { transform: 'w=0' });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).issues?.map((issue) => issue.path)).toContain('transform.w');
    expect((await mint(owner, secret.id, { ttl: 5 })).status).toBe(400);
  });
});

describe('with a dedicated CDN hostname', () => {
  it('points image URLs and signed URLs at the CDN host alike, and the CDN host serves them', async () => {
    const app = createApp();
    const bindings = { ...env, CDN_HOSTNAME: 'img.example.test' };
    const fetchWith = async (url: string, init: RequestInit = {}) => {
      const ctx = createExecutionContext();
      const response = await app.fetch(new Request(url, init), bindings, ctx);
      await waitOnExecutionContext(ctx);
      return response;
    };
    const resource = (await (
      await fetchWith(`${BASE}/v1/images/${secret.id}`, authed(owner.key))
    ).json()) as {
      urls: { cdn: string; short: string };
    };
    expect(resource.urls.cdn).toBe('https://img.example.test/priya/default/secret.jpg');
    expect(resource.urls.short).toBe(`https://img.example.test/i/${secret.shortId}`);

    const minted = await fetchWith(
      `${BASE}/v1/images/${secret.id}/signed-url`,
      authed(owner.key, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }),
    );
    const { url } = (await minted.json()) as { url: string };
    expect(url.startsWith('https://img.example.test/priya/default/secret.jpg?')).toBe(true);
    const served = await fetchWith(url);
    expect(served.status).toBe(200);
    expect(served.headers.get('Content-Type')).toBe('image/jpeg');
  });
});
