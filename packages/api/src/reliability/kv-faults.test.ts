import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { faulty, requestWithBindings } from '../../test/fixtures/faults';
import { makeJpeg, storeImage, type StoredImage } from '../../test/fixtures/cdn/images';
import { authed, createUser, errorOf, type TestUser } from '../../test/helpers';
import { signedImageUrl } from '../services/variants/signed-url';

/** KV as it is during an outage: every read and write throws. */
function unreachableKv() {
  const kv = faulty(env.KV);
  for (const method of ['get', 'getWithMetadata', 'put', 'delete', 'list']) kv.fail(method);
  return kv;
}

let owner: TestUser;
let photo: StoredImage;
let secret: StoredImage;

beforeAll(async () => {
  owner = await createUser('kv-outage');
  photo = await storeImage(owner.id, {
    filename: 'pier.jpg',
    bytes: makeJpeg(640, 480),
    contentType: 'image/jpeg',
    width: 640,
    height: 480,
  });
  secret = await storeImage(owner.id, {
    filename: 'vault.jpg',
    bytes: makeJpeg(64, 48),
    contentType: 'image/jpeg',
    width: 64,
    height: 48,
    isPrivate: true,
  });
});

describe('KV unreachable', () => {
  it('rate limiting fails open: the API answers, without RateLimit headers from a bucket it could not read', async () => {
    const kv = unreachableKv();
    // A caller the limiter has never seen, so its bucket must come from KV (the isolate has no copy yet).
    const caller = await createUser('kv-outage-caller');
    const response = await requestWithBindings({ KV: kv.binding }, '/v1/albums', authed(caller.key));
    expect(response.status).toBe(200);
    expect(kv.calls('get')).toBeGreaterThan(0);
    // Failing open still answers with the rule's size, as a full bucket would.
    expect(Number(response.headers.get('RateLimit-Limit'))).toBeGreaterThan(0);
  });

  it('/v1/status answers 503 and names KV as the failing store, D1 and R2 still ok', async () => {
    const response = await requestWithBindings({ KV: unreachableKv().binding }, '/v1/status');
    expect(response.status).toBe(503);
    const body = (await response.json()) as {
      status: string;
      checks: Record<'d1' | 'r2' | 'kv', { ok: boolean; error?: string }>;
    };
    expect(body.status).toBe('degraded');
    expect(body.checks.kv).toMatchObject({ ok: false, error: 'InjectedFault' });
    expect(body.checks.d1.ok).toBe(true);
    expect(body.checks.r2.ok).toBe(true);
  });

  it('the CDN still serves public originals and variants (a miss renders, its transform limiter failing open)', async () => {
    const kv = unreachableKv();
    const base = `/cdn/${owner.slug}/${photo.albumSlug}/${photo.filename}`;
    const original = await requestWithBindings({ KV: kv.binding }, base);
    expect(original.status).toBe(200);
    expect(original.headers.get('Content-Type')).toBe('image/jpeg');
    const miss = await requestWithBindings({ KV: kv.binding }, `${base}?w=100&f=png`);
    expect(miss.status).toBe(200);
    expect(miss.headers.get('Content-Type')).toBe('image/png');
    const preset = await requestWithBindings({ KV: kv.binding }, `${base}/w128`, {
      headers: { Accept: 'image/webp' },
    });
    expect(preset.status).toBe(200);
    const short = await requestWithBindings({ KV: kv.binding }, `/cdn/i/${photo.shortId}`);
    expect(short.status).toBe(200);
  });

  it('a signed URL of a private image is a 503 naming the signing store, not a 500 (its key version is in KV)', async () => {
    const url = await signedImageUrl(
      {
        kv: env.KV,
        serverSecret: env.API_HASH_SECRET,
        base: { origin: 'http://localhost:8787', dedicatedHost: false },
      },
      { ownerId: owner.id, ownerSlug: owner.slug, albumSlug: secret.albumSlug, filename: secret.filename },
      { expires: Math.floor(Date.now() / 1000) + 600 },
    );
    const { pathname, search } = new URL(url);
    // With KV up the signed URL works...
    expect((await requestWithBindings({}, pathname + search)).status).toBe(200);
    // ...and with KV down it cannot be checked: a retryable 503, never a 500 or a wrongful 403.
    const response = await requestWithBindings({ KV: unreachableKv().binding }, pathname + search);
    expect(response.status).toBe(503);
    expect(response.headers.get('Retry-After')).toBeTruthy();
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    expect(await errorOf(response)).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });
});
