import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestHarness } from 'wrangler';
import {
  CDN_HOST,
  createStack,
  ECHO_WORKER,
  MISCONFIGURED_GATEWAY,
  migrateAndSeed,
  PROBE_GATEWAY,
  PUBLIC_HOST,
  ROOT,
  UNCONFIGURED_GATEWAY,
  workerdMemory,
} from './stack';

let stack: TestHarness;
const publicUrl = (path: string) => `http://${PUBLIC_HOST}${path}`;

beforeAll(async () => {
  stack = createStack();
  await stack.listen();
  await migrateAndSeed(stack);
});
afterAll(async () => {
  await stack?.close();
});

interface Echo {
  method: string;
  url: string;
  connectingIp: string | null;
  forwardedFor: string | null;
  country: string | null;
  requestId: string | null;
  cfCountry: string | null;
  bytes: number;
  digest: string | null;
}

/** A multipart upload of one fixture image, as bytes: the harness's fetch does not encode Node's FormData itself. */
async function uploadForm(
  fixture: string,
): Promise<{ file: Buffer; body: ArrayBuffer; contentType: string }> {
  const file = readFileSync(join(ROOT, 'packages/api/test/fixtures', fixture));
  const form = new FormData();
  form.set('file', new File([file], `gateway-${fixture}`));
  const encoded = new Response(form);
  return { file, body: await encoded.arrayBuffer(), contentType: encoded.headers.get('content-type')! };
}

/** A JSON answer's body, checking its type first (the harness answers with Miniflare's own Response class). */
async function json<T>(response: {
  headers: Headers | { get(name: string): string | null };
  json(): Promise<unknown>;
}) {
  expect(response.headers.get('content-type')).toMatch(/application\/json/);
  return (await response.json()) as T;
}

describe('routing through the gateway to the API Worker and the dashboard', () => {
  it('sends /v1 to the API', async () => {
    const status = await stack.fetch(publicUrl('/v1/status'));
    expect(status.status).toBe(200);
    expect(await json<Record<string, unknown>>(status)).toHaveProperty('status');

    const openapi = await stack.fetch(publicUrl('/v1/openapi.json'));
    expect(openapi.status).toBe(200);
    expect(await json<{ openapi: string; paths: object }>(openapi)).toMatchObject({
      openapi: expect.stringMatching(/^3\./),
      paths: expect.objectContaining({ '/upload': expect.any(Object) }),
    });
  });

  it('sends /auth to the API', async () => {
    const providers = await stack.fetch(publicUrl('/auth/providers'));
    expect(providers.status).toBe(200);
    expect(await json<{ mode: string }>(providers)).toMatchObject({ mode: 'none' });
  });

  it('serves an uploaded image on /cdn and on the CDN hostname without /cdn', async () => {
    const { file: png, body, contentType } = await uploadForm('tiny.png');
    const uploaded = await stack.fetch(publicUrl('/v1/upload'), {
      method: 'POST',
      body,
      headers: { 'Content-Type': contentType },
    });
    expect(uploaded.status, await uploaded.clone().text()).toBe(201);
    // With CDN_HOSTNAME set, the API names the image by its CDN-host URL: /alice/default/gateway-tiny.png.
    const image = await json<{ urls: { cdn: string } }>(uploaded);
    const { hostname, pathname } = new URL(image.urls.cdn);
    expect(hostname).toBe(CDN_HOST);
    expect(pathname).toMatch(/^\/alice\/default\/gateway-tiny\.png$/);

    for (const url of [publicUrl(`/cdn${pathname}`), `http://${CDN_HOST}${pathname}`]) {
      const served = await stack.fetch(url);
      expect(served.status, url).toBe(200);
      expect(served.headers.get('content-type'), url).toBe('image/png');
      expect(Buffer.from(await served.arrayBuffer()).equals(png), url).toBe(true);
    }
  });

  it('carries a tus upload, its PATCH body streamed, to the API; the image is then on the CDN host', async () => {
    const file = readFileSync(join(ROOT, 'packages/api/test/fixtures/stripe.jpg'));
    const created = await stack.fetch(publicUrl('/v1/uploads/tus'), {
      method: 'POST',
      headers: {
        'Tus-Resumable': '1.0.0',
        'Upload-Length': String(file.length),
        'Upload-Metadata': `filename ${btoa('gateway-tus.jpg')}`,
      },
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const location = new URL(created.headers.get('Location')!);
    expect(location.pathname).toMatch(/^\/v1\/uploads\/tus\//);

    const half = Math.ceil(file.length / 2);
    const patched = await stack.fetch(publicUrl(location.pathname), {
      method: 'PATCH',
      headers: {
        'Tus-Resumable': '1.0.0',
        'Upload-Offset': '0',
        'Content-Type': 'application/offset+octet-stream',
      },
      body: new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(file.subarray(0, half));
          controller.enqueue(file.subarray(half));
          controller.close();
        },
      }),
      duplex: 'half',
    });
    expect(patched.status, await patched.clone().text()).toBe(204);
    expect(patched.headers.get('Upload-Offset')).toBe(String(file.length));

    const served = await stack.fetch(`http://${CDN_HOST}/alice/default/gateway-tus.jpg`);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(file)).toBe(true);
  });

  it('sends everything else to the dashboard: its pages and its static assets', async () => {
    for (const path of ['/', '/library']) {
      const page = await stack.fetch(publicUrl(path));
      expect(page.status, path).toBe(200);
      expect(page.headers.get('content-type'), path).toMatch(/text\/html/);
      expect(await page.text(), path).toContain('/_app/');
      // The dashboard sets no request id; the gateway answers with the one it made.
      expect(page.headers.get('X-Request-Id'), path).toMatch(/^req_[0-9a-f]{32}$/);
    }
    const assets = join(ROOT, 'packages/frontend/.svelte-kit/cloudflare/_app/immutable/entry');
    const entry = readdirSync(assets).find((name) => name.endsWith('.js'));
    expect(entry).toBeDefined();
    const asset = await stack.fetch(publicUrl(`/_app/immutable/entry/${entry}`));
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(await asset.text()).toBe(readFileSync(join(assets, entry!), 'utf8'));
  });

  it('matches the API prefixes by whole segments: /v1docs and /cdnx are dashboard paths', async () => {
    for (const path of ['/v1docs', '/cdnx/a/b/c.png', '/authors']) {
      const answer = await stack.fetch(publicUrl(path));
      expect(answer.headers.get('content-type'), path).toMatch(/text\/html/);
    }
  });

  it('answers a host it does not serve with a JSON 404', async () => {
    for (const url of ['http://unknown.example/v1/status', 'http://127.0.0.1/', `http://img.${CDN_HOST}/x`]) {
      const answer = await stack.fetch(url);
      expect(answer.status, url).toBe(404);
      const body = await json<{ error: { code: string; message: string } }>(answer);
      expect(body.error.code).toBe('NOT_FOUND');
      expect(body.error.message).toContain(new URL(url).hostname);
    }
  });

  it('answers 503 MISCONFIGURED naming the variable when PUBLIC_HOSTNAME is missing or not a hostname', async () => {
    for (const [gateway, problem] of [
      [UNCONFIGURED_GATEWAY, 'PUBLIC_HOSTNAME is missing'],
      [MISCONFIGURED_GATEWAY, 'PUBLIC_HOSTNAME must be a bare lowercase hostname'],
    ] as const) {
      const answer = await stack.getWorker(gateway).fetch(publicUrl('/v1/status'));
      expect(answer.status, gateway).toBe(503);
      const body = await json<{ error: { code: string; message: string } }>(answer);
      expect(body.error, gateway).toMatchObject({
        code: 'MISCONFIGURED',
        message: expect.stringContaining(problem),
      });
    }
  });
});

describe('what the gateway forwards', () => {
  it('keeps CF-Connecting-IP, appends it to X-Forwarded-For, sets CF-IPCountry and keeps a good request id', async () => {
    const answer = await stack.getWorker(PROBE_GATEWAY).fetch(publicUrl('/v1/anything?x=1'), {
      headers: {
        'CF-Connecting-IP': '203.0.113.7',
        'X-Forwarded-For': '198.51.100.1',
        'X-Request-Id': 'trace-0123456789',
      },
      cf: { country: 'NZ' },
    });
    expect(answer.headers.get('X-Request-Id')).toBe('trace-0123456789');
    expect(await json<Echo>(answer)).toMatchObject({
      method: 'GET',
      url: publicUrl('/v1/anything?x=1'),
      connectingIp: '203.0.113.7',
      forwardedFor: '198.51.100.1, 203.0.113.7',
      country: 'NZ',
      cfCountry: 'NZ',
      requestId: 'trace-0123456789',
    });
  });

  it('makes a request id when the incoming one is missing or malformed, and answers with it', async () => {
    for (const incoming of [undefined, 'no spaces allowed here', 'short']) {
      const answer = await stack.getWorker(PROBE_GATEWAY).fetch(publicUrl('/'), {
        headers: incoming === undefined ? {} : { 'X-Request-Id': incoming },
      });
      const echo = await json<Echo>(answer);
      expect(echo.requestId).toMatch(/^req_[0-9a-f]{32}$/);
      expect(answer.headers.get('X-Request-Id')).toBe(echo.requestId);
    }
  });

  it('the API echoes the gateway request id and records the forwarded client IP', async () => {
    const { body, contentType } = await uploadForm('tiny.webp');
    const uploaded = await stack.fetch(publicUrl('/v1/upload'), {
      method: 'POST',
      body,
      headers: {
        'Content-Type': contentType,
        'CF-Connecting-IP': '203.0.113.9',
        'X-Request-Id': 'trace-audited-upload',
      },
    });
    expect(uploaded.status, await uploaded.clone().text()).toBe(201);
    expect(uploaded.headers.get('X-Request-Id')).toBe('trace-audited-upload');

    const log = await json<{ data: { request_id: string | null; ip: string | null; action: string }[] }>(
      await stack.fetch(publicUrl('/v1/audit-log?action=image.upload')),
    );
    const entry = log.data.find((event) => event.request_id === 'trace-audited-upload');
    expect(entry).toMatchObject({ action: 'image.upload', ip: '203.0.113.9' });
  });
});

describe('large bodies', () => {
  const SIZE = 96 * 1024 * 1024;
  const CHUNK = 64 * 1024;

  /** A generated body, produced chunk by chunk as it is read, and its SHA-256 once read. */
  function generatedBody(size: number) {
    const hash = createHash('sha256');
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= size) return controller.close();
        const chunk = new Uint8Array(CHUNK).map((_, i) => (sent + i) % 251);
        hash.update(chunk);
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    return { stream, digest: () => hash.digest('hex') };
  }

  async function patch(worker: string, path: string) {
    const body = generatedBody(SIZE);
    const answer = await stack.getWorker(worker).fetch(publicUrl(path), {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/offset+octet-stream' },
      body: body.stream,
      duplex: 'half',
    });
    return { echo: await json<Echo>(answer), digest: body.digest() };
  }

  function peakGrowthMiB(before: ReturnType<typeof workerdMemory>) {
    const after = workerdMemory();
    return before.map((process) => {
      const later = after.find((other) => other.pid === process.pid);
      return {
        pid: process.pid,
        peakGrowthMiB: Math.round(((later?.peakKiB ?? NaN) - process.peakKiB) / 1024),
      };
    });
  }

  it('streams a 96 MiB body through the gateway without holding it (workerd peak memory measured)', async () => {
    // The same body straight to the stand-in first: workerd's first large body costs it a one-off ~100 MiB of
    // buffers, gateway or not, and the measurement below is of what the gateway adds.
    const direct = await patch(ECHO_WORKER, '/v1/uploads/tus/warm');
    expect(direct.echo).toMatchObject({ bytes: SIZE, digest: direct.digest });

    const before = workerdMemory();
    expect(before.length).toBeGreaterThan(0);
    const through = await patch(PROBE_GATEWAY, '/v1/uploads/tus/large');
    expect(through.echo).toMatchObject({ method: 'PATCH', bytes: SIZE, digest: through.digest });
    const growth = peakGrowthMiB(before);
    // Measured: 5-19 MiB with the streaming gateway; a gateway that reads the body first grows by ~300 MiB.
    console.log(`workerd peak RSS growth while ${SIZE / 2 ** 20} MiB streamed through the gateway:`, growth);
    for (const process of growth) expect(process.peakGrowthMiB).toBeLessThan(SIZE / 2 / 2 ** 20);
  });
});
