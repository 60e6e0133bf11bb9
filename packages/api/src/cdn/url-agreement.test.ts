import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg, storeImage, type StoredImage } from '../../test/fixtures/cdn/images';
import { authed, BASE, createUser, type TestUser } from '../../test/helpers';
import { createApp } from '../app';
import { purgeImageFromCdnCache } from '../services/variants/cdn-cache';

/**
 * Signing, serving and purging each spell a CDN URL's path and query; these tests hold them to one spelling for
 * every form a URL can take, on the API's host and on a dedicated CDN hostname (which drops the `/cdn` prefix).
 */

const CDN_HOST = 'img.agreement.test';
const app = createApp();
// One bindings object per host: the validated config is cached per object.
const hosts = {
  api: env,
  cdn: { ...env, CDN_HOSTNAME: CDN_HOST },
  cdnSigned: { ...env, CDN_HOSTNAME: CDN_HOST, REQUIRE_SIGNED_TRANSFORMS: 'true' },
} as const;
type Host = keyof typeof hosts;
const AVIF = { Accept: 'image/avif,image/webp,*/*' };

/** A request to the real app, waiting for its deferred work (cache writes included) before returning. */
async function fetchOn(host: Host, url: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(url, init), hosts[host], ctx);
  const body = await response.arrayBuffer();
  await waitOnExecutionContext(ctx);
  const empty = [204, 304].includes(response.status);
  return new Response(empty ? null : body, { status: response.status, headers: response.headers });
}

const api = async <T>(host: Host, user: TestUser, path: string, body?: unknown): Promise<T> => {
  const response = await fetchOn(
    host,
    `${BASE}/v1${path}`,
    authed(user.key, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
  expect(response.status, `${path}: ${await response.clone().text()}`).toBeLessThan(300);
  return (await response.json()) as T;
};

/** Names that need percent-encoding in a URL: spaces, non-ASCII, `%` and `+` (a space in a query string). */
const AWKWARD = { album: 'été 2026 + 100%', filename: 'café crème + 50% #1.jpg' };

let owner: TestUser;
let secret: StoredImage;
/** Public images per host: the Cache API is shared, so each host's test warms entries of its own. */
const publicImages: Record<'api' | 'cdn', Record<'plain' | 'awkward', StoredImage>> = {
  api: {} as never,
  cdn: {} as never,
};
const jpeg = { bytes: makeJpeg(400, 300), contentType: 'image/jpeg' as const, width: 400, height: 300 };

beforeAll(async () => {
  owner = await createUser('ulla');
  for (const host of ['api', 'cdn'] as const) {
    publicImages[host].plain = await storeImage(owner.id, { ...jpeg, filename: `plain-${host}.jpg` });
    publicImages[host].awkward = await storeImage(owner.id, {
      ...jpeg,
      album: AWKWARD.album,
      filename: `${host} ${AWKWARD.filename}`,
    });
  }
  secret = await storeImage(owner.id, { ...jpeg, ...AWKWARD, isPrivate: true });
  await api('api', owner, '/transforms', { name: 'card', params: { w: '120', h: '80', fit: 'cover' } });
});

interface ImageUrls {
  urls: { cdn: string; short: string };
}

/** Every form of URL for one image, as the API hands them out on `host`. */
async function urlForms(host: Host, image: StoredImage): Promise<Record<string, string>> {
  const { urls } = await api<ImageUrls>(host, owner, `/images/${image.id}`);
  const { data } = await api<{ data: { preset: string; url: string }[] }>(
    host,
    owner,
    `/images/${image.id}/variants`,
  );
  return {
    'path original': urls.cdn,
    'short original': urls.short,
    'path preset': data.find((variant) => variant.preset === 'w256')!.url,
    'short preset': `${urls.short}/w256`,
    'path query transform': `${urls.cdn}?w=100&format=png`,
    'short query transform': `${urls.short}?w=100&format=png`,
    'path named transform': `${urls.cdn}?t=card`,
    'short named transform': `${urls.short}?t=card`,
    // `;` is left raw here, as people write Cloudflare's trim; the canonical query encodes it.
    'path trim and metadata': `${urls.cdn}?trim=10;20;10;20&metadata=none&w=100`,
    'short preset with trim': `${urls.short}/w256?trim=0;0;50;0&metadata=keep`,
  };
}

/**
 * The same request spelled another way: parameters in the other order, the original named `/original`,
 * percent-escapes in lower case (as some clients write them).
 */
function respelled(url: string): string {
  const parsed = new URL(url);
  const params = [...parsed.searchParams.entries()].reverse();
  let path = parsed.pathname.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
  if (!path.endsWith('/w256') && params.length === 0) path += '/original';
  // URLSearchParams writes a raw `;` (trim) as %3B: the same canonical query.
  return `${parsed.origin}${path}${params.length > 0 ? `?${new URLSearchParams(params)}` : ''}`;
}

const purgeTarget = (image: StoredImage) => ({ ownerSlug: owner.slug, ...image });

describe.each(['api', 'cdn'] as const)('on the %s host', (host) => {
  it.each(['plain', 'awkward'] as const)(
    'serves every URL the API gives for a %s image, caches it once, and the purge removes it',
    async (which) => {
      const image = publicImages[host][which];
      const forms = await urlForms(host, image);
      if (host === 'cdn')
        for (const url of Object.values(forms)) {
          expect(url).toMatch(`https://${CDN_HOST}/`);
          expect(new URL(url).pathname).not.toMatch(/^\/cdn\//);
        }
      for (const [form, url] of Object.entries(forms)) {
        const first = await fetchOn(host, url, { headers: AVIF });
        expect(first.status, form).toBe(200);
        expect(first.headers.get('X-Cache'), form).not.toBe('hit');
        const again = await fetchOn(host, url, { headers: AVIF });
        expect(again.headers.get('X-Cache'), form).toBe('hit');
        const respelledAgain = await fetchOn(host, respelled(url), { headers: AVIF });
        expect(respelledAgain.headers.get('X-Cache'), `${form} respelled`).toBe('hit');
      }
      await purgeImageFromCdnCache(caches.default, purgeTarget(image));
      for (const [form, url] of Object.entries(forms)) {
        const after = await fetchOn(host, url, { headers: AVIF });
        expect(after.status, form).toBe(200);
        expect(after.headers.get('X-Cache'), `${form} after the purge`).not.toBe('hit');
      }
    },
  );
});

describe('signed URLs', () => {
  const requests = [
    {},
    { variant: 'w256' },
    { transform: 'w=100&format=png' },
    { transform: 'format=png&w=100' },
    { transform: 't=card' },
    { variant: 'thumb', transform: 'q=50' },
    { transform: 'trim=10;20;10;20&metadata=keep&w=100' },
    { variant: 'w256', transform: 'trim=0;0;50;0&onerror=redirect' },
  ];

  it.each(['api', 'cdn', 'cdnSigned'] as const)(
    'a URL minted on the %s host for a private image with awkward names is served, and only as signed',
    async (host) => {
      for (const body of requests) {
        const { url } = await api<{ url: string }>(host, owner, `/images/${secret.id}/signed-url`, body);
        if (host !== 'api') expect(url).toMatch(`https://${CDN_HOST}/`);
        const served = await fetchOn(host, url, { headers: AVIF });
        expect(served.status, JSON.stringify(body)).toBe(200);
        // Private, for the rest of the URL's hour at most.
        const maxAge = Number(
          /^private, max-age=(\d+)$/.exec(served.headers.get('Cache-Control') ?? '')?.[1],
        );
        expect(maxAge).toBeGreaterThan(3000);
        expect(maxAge).toBeLessThanOrEqual(3600);
        const unsigned = new URL(url);
        unsigned.searchParams.delete('sig');
        expect((await fetchOn(host, unsigned.toString())).status, JSON.stringify(body)).toBe(403);
      }
    },
  );

  it('with REQUIRE_SIGNED_TRANSFORMS, a minted query transform of a public image is served and the bare one refused', async () => {
    for (const transform of ['w=100&format=png', 'format=png&w=100&q=70']) {
      const { url } = await api<{ url: string }>(
        'cdnSigned',
        owner,
        `/images/${publicImages.cdn.awkward.id}/signed-url`,
        {
          transform,
        },
      );
      expect((await fetchOn('cdnSigned', url)).status, transform).toBe(200);
      const unsigned = new URL(url);
      unsigned.searchParams.delete('sig');
      unsigned.searchParams.delete('exp');
      expect((await fetchOn('cdnSigned', unsigned.toString())).status, transform).toBe(403);
    }
  });
});
