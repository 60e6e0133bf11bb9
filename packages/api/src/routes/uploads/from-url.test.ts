import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { UPLOAD_LIMITS } from '@pixelflare/config';
import { describe, expect, inject, it } from 'vitest';
import { createApp } from '../../app';
import type { Bindings } from '../../lib/env';
import { AppError } from '../../lib/errors';
import { fetchRemoteImage, type RemoteFetchSettings } from '../../services/uploads/from-url';
import { authed, call, createUser, errorOf } from '../../../test/helpers';

/** The stand-in web server on loopback (test/global-setup-remote-images.ts). */
const remote = `http://127.0.0.1:${inject('remoteImagesPort')}`;
const app = createApp();

/** The Worker as local development runs it: private targets allowed, so the loopback stand-in can be fetched. */
async function callAllowingLoopback(path: string, init: RequestInit) {
  const ctx = createExecutionContext();
  const response = await app.fetch(
    new Request(`http://localhost:8787${path}`, init),
    { ...env, ALLOW_PRIVATE_WEBHOOK_TARGETS: 'true' } as unknown as Bindings,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

const fromUrl = (key: string, body: unknown) =>
  authed(key, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('POST /v1/upload/from-url', () => {
  it('fetches the image and ingests it like any upload; the same bytes again answer the existing image', async () => {
    const owner = await createUser('fromurl');
    const created = await callAllowingLoopback(
      '/v1/upload/from-url',
      fromUrl(owner.key, { url: `${remote}/redirect/3/beach.png`, tags: ['remote'], alt: 'A beach' }),
    );
    expect(created.status).toBe(201);
    const image = (await created.json()) as { id: string; filename: string; tags: string[]; alt: string };
    // Three redirects (the most allowed); the filename is the last URL's.
    expect(image).toMatchObject({
      filename: 'beach.png',
      tags: ['remote'],
      alt: 'A beach',
      duplicate: false,
    });
    const stored = await call(`/v1/images/${image.id}`, authed(owner.key));
    expect(stored.status).toBe(200);

    const again = await callAllowingLoopback(
      '/v1/upload/from-url',
      fromUrl(owner.key, { url: `${remote}/image/x.png` }),
    );
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ id: image.id, duplicate: true });
  });

  it('refuses loopback, link-local and non-http URLs with the SSRF guard on (as deployed)', async () => {
    const owner = await createUser('fromurl-ssrf');
    for (const [url, reason] of [
      [`${remote}/image/a.png`, /loopback/],
      ['http://169.254.169.254/latest/meta-data/', /link-local/],
      ['http://[::1]/a.png', /loopback/],
      ['ftp://example.org/a.png', /http or https/],
      ['not a url', /Not a valid URL/],
    ] as const) {
      const response = await call('/v1/upload/from-url', fromUrl(owner.key, { url }));
      expect(response.status, url).toBe(400);
      expect((await errorOf(response)).message).toMatch(reason);
    }
    const missing = await call('/v1/upload/from-url', fromUrl(owner.key, { tags: ['x'] }));
    expect(missing.status).toBe(400);
    expect((await errorOf(missing)).code).toBe('VALIDATION_FAILED');
  });

  it('answers 400 for a fourth redirect, an error status or an unreachable host; 413 past the size; 415 for text', async () => {
    const owner = await createUser('fromurl-limits');
    const send = (url: string) => callAllowingLoopback('/v1/upload/from-url', fromUrl(owner.key, { url }));
    const tooMany = await send(`${remote}/redirect/4/a.png`);
    expect(tooMany.status).toBe(400);
    expect((await errorOf(tooMany)).message).toMatch(/redirected more than 3 times/);
    const missing = await send(`${remote}/status/404`);
    expect(missing.status).toBe(400);
    expect((await errorOf(missing)).message).toMatch(/HTTP 404/);
    const closed = await send('http://127.0.0.1:9/a.png');
    expect(closed.status).toBe(400);
    // Declared over the limit: refused before reading. Undeclared: counted while streaming.
    for (const path of ['/declared-huge', '/endless']) {
      const response = await send(`${remote}${path}`);
      expect(response.status, path).toBe(413);
      expect((await errorOf(response)).message).toContain(
        `${UPLOAD_LIMITS.maxOneShotBytes / 1024 / 1024} MB`,
      );
    }
    const text = await send(`${remote}/status/200`);
    expect(text.status).toBe(415);
    // Nothing of the refused fetches was stored.
    const list = (await (await call('/v1/images', authed(owner.key))).json()) as { data: unknown[] };
    expect(list.data).toEqual([]);
  });
});

describe('fetchRemoteImage', () => {
  const settings: RemoteFetchSettings = {
    allowPrivate: false,
    resolveHost: async (hostname) => (hostname === 'images.public.test' ? ['93.184.216.34'] : ['10.1.2.3']),
    maxBytes: 1024 * 1024,
    timeoutMs: 10_000,
    maxRedirects: 3,
  };
  /** Resolved names are public, but the stand-in answers for them: the network path under test is real. */
  const viaStandIn: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    return fetch(`${remote}${url.pathname}${url.search}`, init);
  };
  const codeOf = (promise: Promise<unknown>) =>
    promise.then(
      () => 'fetched',
      (error: unknown) => (error instanceof AppError ? `${error.status} ${error.message}` : String(error)),
    );

  it('checks every redirect target again: a public host redirecting to loopback is refused', async () => {
    const fetched = await fetchRemoteImage('http://images.public.test/image/a.png', settings, viaStandIn);
    expect(fetched.filename).toBe('a.png');
    const location = encodeURIComponent(`${remote}/image/a.png`);
    expect(
      await codeOf(
        fetchRemoteImage(`http://images.public.test/redirect-to?location=${location}`, settings, viaStandIn),
      ),
    ).toMatch(/^400 .*loopback/);
  });

  it('refuses a name that resolves to a private address, without fetching it', async () => {
    let fetches = 0;
    const counting: typeof fetch = (input, init) => {
      fetches += 1;
      return viaStandIn(input, init);
    };
    expect(await codeOf(fetchRemoteImage('http://intranet.test/image/a.png', settings, counting))).toMatch(
      /^400 .*private.*10\.1\.2\.3/,
    );
    expect(fetches).toBe(0);
  });

  it('gives up after its timeout on a server that never sends the body', async () => {
    expect(
      await codeOf(
        fetchRemoteImage('http://images.public.test/hang', { ...settings, timeoutMs: 500 }, viaStandIn),
      ),
    ).toMatch(/^400 .*within 0\.5 s/);
  });
});
