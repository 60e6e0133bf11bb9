import { createDb, cryptoEvents, images, tenantKeys } from '@pixelflare/database';
import { PFSE_MAGIC, plaintextSize } from '@pixelflare/shared';
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  accessToken,
  contains,
  downloaded,
  enableEncryption,
  rawObject,
  tokenUrl,
  uniqueJpeg,
  uploadEncrypted,
} from '../../../test/fixtures/encryption-helpers';
import { fixture } from '../../../test/fixtures/fixtures.generated';
import { largeJpeg } from '../../../test/fixtures/large-files';
import { upload, uploadForm } from '../../../test/fixtures/upload-helpers';
import { runQueueBatch } from '../../../test/queue';
import { authed, call, createUser, errorOf, type TestUser } from '../../../test/helpers';
import { loadEnv } from '../../lib/env';
import { matchCdnCache } from '../../services/variants/cdn-cache';
import { mintAccessToken } from '../../services/encryption/tokens';

const db = createDb(env.DB);
const rowOf = async (id: string) => (await db.select().from(images).where(eq(images.id, id)))[0]!;
const eventsOf = (ownerId: string, event: string) =>
  db
    .select()
    .from(cryptoEvents)
    .where(and(eq(cryptoEvents.ownerId, ownerId), eq(cryptoEvents.event, event)));
const renderRenditions = (imageId: string, ownerId: string) =>
  runQueueBatch('pixelflare-variants', [{ type: 'generate', imageId, ownerId }]);

describe('turning encryption on', () => {
  it('creates master key v1 wrapped by the root key, records it, and refuses encrypt=true before that', async () => {
    const user = await createUser('enc-enable');
    const off = await call('/v1/encryption', authed(user.key));
    expect(await off.json()).toMatchObject({ enabled: false, current_key_version: 0, key_versions: [] });
    const refused = await upload(user, uploadForm(fixture('photo-gps.jpg'), 'a.jpg', { encrypt: 'true' }));
    expect(refused.status).toBe(409);
    expect((await errorOf(refused)).message).toContain('/v1/encryption/enable');

    const on = await enableEncryption(user);
    expect(on).toMatchObject({ enabled: true, current_key_version: 1, encrypt_by_default: false });
    const [key] = await db.select().from(tenantKeys).where(eq(tenantKeys.ownerId, user.id));
    // Stored wrapped: nonce (12) + key (32) + tag (16), base64url.
    expect(key!.wrappedKey).toMatch(/^[A-Za-z0-9_-]{80}$/);
    expect(await eventsOf(user.id, 'encryption.enabled')).toHaveLength(1);
    // Enabling again changes nothing but the default asked for.
    expect(await enableEncryption(user, { encrypt_by_default: true })).toMatchObject({
      current_key_version: 1,
      encrypt_by_default: true,
    });
    expect(await db.select().from(tenantKeys).where(eq(tenantKeys.ownerId, user.id))).toHaveLength(1);
  });
});

describe('an encrypted image', () => {
  let alice: TestUser;
  let bob: TestUser;
  // Several segments (64 KiB each), so ranges and tampering reach past the first.
  const photo = largeJpeg(300_000);
  let image: { id: string; short_id: string; filename: string; content_hash: string };
  let clear: Uint8Array;

  beforeAll(async () => {
    alice = await createUser('enc-alice');
    bob = await createUser('enc-bob');
    await enableEncryption(alice);
    image = await uploadEncrypted(alice, photo, 'secret.jpg');
    clear = await downloaded(alice, image.id);
  });

  it('is stored as PFSE ciphertext under a wrapped CEK, with a keyed content hash', async () => {
    const row = await rowOf(image.id);
    expect(row).toMatchObject({ isEncrypted: true });
    expect(row.wrappedKey).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    expect(row.contentHash).toMatch(/^k1:[0-9a-f]{64}$/);
    const stored = await rawObject(row.storageKey);
    expect(stored.subarray(0, 4)).toEqual(PFSE_MAGIC);
    expect(plaintextSize(stored.length)).toBe(clear.length);
    // No run of the picture's bytes is in the object (the scan data is kept as uploaded).
    expect(contains(stored, photo.subarray(100_000, 100_032))).toBe(false);
    // Privacy stripping still happened before encryption: the download is the stripped file.
    expect(clear.length).toBeLessThan(photo.length);
    expect(clear.subarray(-1000)).toEqual(photo.subarray(-1000));
  });

  it('is 404 on its public URLs, as if it did not exist, and nothing is cached', async () => {
    for (const path of [
      `/cdn/i/${image.short_id}`,
      `/cdn/i/${image.short_id}/thumb`,
      `/cdn/enc-alice/default/${image.filename}`,
      `/cdn/enc-alice/default/${image.filename}/w256`,
    ]) {
      const response = await call(path);
      expect(response.status).toBe(404);
      expect((await errorOf(response)).message).toBe('Image not found');
    }
    const { path } = await tokenUrl(alice, image.id);
    const first = await call(path);
    expect(first.status).toBe(200);
    expect(first.headers.get('Cache-Control')).toBe('private, no-store');
    await first.arrayBuffer();
    expect(
      await matchCdnCache(caches.default, {
        image: { kind: 'short', shortId: image.short_id },
        query: '',
        accept: null,
      }),
    ).toBeUndefined();
    expect((await call(path)).headers.get('X-Cache')).toBe('encrypted');
  });

  it('hands out no plain URLs: resource, listing, presets and album cover say null; no signed URL is minted', async () => {
    const plainUrls = { cdn: null, short: null };
    expect((image as unknown as { urls: unknown }).urls).toEqual(plainUrls);
    const got = (await (await call(`/v1/images/${image.id}`, authed(alice.key))).json()) as {
      urls: unknown;
      previews: unknown;
      is_encrypted: boolean;
    };
    expect(got).toMatchObject({ is_encrypted: true, urls: plainUrls, previews: null });
    const listed = (await (await call('/v1/images?limit=100', authed(alice.key))).json()) as {
      data: { id: string; urls: unknown; previews: unknown }[];
    };
    expect(listed.data.find((entry) => entry.id === image.id)).toMatchObject({
      urls: plainUrls,
      previews: null,
    });
    const variants = (await (await call(`/v1/images/${image.id}/variants`, authed(alice.key))).json()) as {
      data: { preset: string; url: string | null }[];
    };
    expect(variants.data.length).toBeGreaterThan(0);
    expect(variants.data.every((variant) => variant.url === null)).toBe(true);
    const signed = await call(
      `/v1/images/${image.id}/signed-url`,
      authed(alice.key, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ ttl: 3600 }),
      }),
    );
    expect(signed.status).toBe(409);
    expect((await errorOf(signed)).message).toContain('access-token');
    const album = await call(
      '/v1/albums',
      authed(alice.key, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ title: 'Vault', slug: 'vault', cover_image_id: image.id }),
      }),
    );
    expect(album.status).toBe(201);
    expect(((await album.json()) as { cover: unknown }).cover).toEqual({
      id: image.id,
      thumb_url: null,
      expires_at: null,
    });
    // The same account's unencrypted images keep theirs.
    const plain = (await (await upload(alice, uploadForm(fixture('tiny.png'), 'plain.png'))).json()) as {
      urls: { cdn: string | null; short: string | null };
      previews: { thumb: string } | null;
    };
    expect(plain.urls.short).toMatch(/\/cdn\/i\//);
    expect(plain.urls.cdn).toContain('/cdn/enc-alice/');
    expect(plain.previews?.thumb).toContain('/thumb');
  });

  it('serves the decrypted original through a token, identical to the download', async () => {
    const { path, expires_at } = await tokenUrl(alice, image.id);
    // Default lifetime: one hour.
    expect(Math.abs(Date.parse(expires_at) - Date.now() - 3600_000)).toBeLessThan(120_000);
    const response = await call(path);
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('image/jpeg');
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(clear);
    expect(await eventsOf(alice.id, 'token.minted')).not.toHaveLength(0);
  });

  it('answers Range by decrypting only the segments asked for', async () => {
    const { path } = await tokenUrl(alice, image.id);
    for (const [range, start, end] of [
      ['bytes=0-9', 0, 10],
      ['bytes=65530-131080', 65530, 131081],
      [`bytes=-100`, clear.length - 100, clear.length],
      [`bytes=200000-`, 200000, clear.length],
    ] as const) {
      const response = await call(path, { headers: { Range: range } });
      expect(response.status).toBe(206);
      expect(response.headers.get('Content-Range')).toBe(`bytes ${start}-${end - 1}/${clear.length}`);
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(clear.subarray(start, end));
    }
    const outside = await call(path, { headers: { Range: `bytes=${clear.length + 10}-` } });
    expect(outside.status).toBe(416);
  });

  it('refuses expired, altered, revoked-version and another image’s tokens', async () => {
    const config = loadEnv(env);
    const claims = { ownerId: alice.id, imageId: image.id, rendition: null, keyVersion: 1 };
    const expired = await mintAccessToken(config, {
      ...claims,
      expiresAt: Math.floor(Date.now() / 1000) - 1,
    });
    const at = (token: string) => call(`/cdn/i/${image.short_id}?token=${encodeURIComponent(token)}`);
    const refusedExpired = await at(expired);
    expect(refusedExpired.status).toBe(403);
    expect((await errorOf(refusedExpired)).message).toContain('expired');

    const { token } = await tokenUrl(alice, image.id);
    const altered = token.slice(0, -2) + (token.endsWith('A') ? 'BB' : 'AA');
    expect((await at(altered)).status).toBe(403);
    // A token claiming a longer life than it was signed for.
    const [id, rendition, version, expiry, mac] = token.split('.');
    expect((await at([id, rendition, version, String(Number(expiry) + 86400), mac].join('.'))).status).toBe(
      403,
    );

    const other = await uploadEncrypted(alice, uniqueJpeg(100_000, 999, largeJpeg), 'other.jpg');
    const otherToken = (await tokenUrl(alice, other.id)).token;
    expect((await at(otherToken)).status).toBe(404);
    expect(await eventsOf(alice.id, 'token.refused')).not.toHaveLength(0);
  });

  it('only its owner can mint a token, within 1 minute to 7 days', async () => {
    expect((await accessToken(bob, image.id)).status).toBe(404);
    expect((await accessToken(alice, image.id, { ttl: 7 * 86400 + 1 })).status).toBe(400);
    expect((await accessToken(alice, image.id, { ttl: 59 })).status).toBe(400);
    const week = await tokenUrl(alice, image.id, { ttl: 7 * 86400 });
    expect(Math.abs(Date.parse(week.expires_at) - Date.now() - 7 * 86400_000)).toBeLessThan(120_000);
    const plain = await upload(alice, uploadForm(fixture('tiny.png'), 'plain.png'));
    const plainId = ((await plain.json()) as { id: string }).id;
    expect((await accessToken(alice, plainId)).status).toBe(409);
  });

  it('has thumb, w256 and w1024 made at ingest, stored encrypted, served through tokens bound to them', async () => {
    const small = await uploadEncrypted(alice, fixture('stripe.jpg'), 'renditions.jpg');
    const row = await rowOf(small.id);
    await renderRenditions(small.id, alice.id);
    const folder = row.storageKey.slice(0, row.storageKey.lastIndexOf('/') + 1);
    const keys = (await env.IMAGES_BUCKET.list({ prefix: folder })).objects
      .map((object) => object.key)
      .sort();
    expect(keys).toEqual([
      `${folder}enc-thumb.pfse`,
      `${folder}enc-w1024.pfse`,
      `${folder}enc-w256.pfse`,
      row.storageKey,
    ]);
    for (const key of keys) expect((await rawObject(key)).subarray(0, 4)).toEqual(PFSE_MAGIC);

    const thumbOnly = await tokenUrl(alice, small.id, { rendition: 'thumb' });
    const thumb = await call(thumbOnly.path);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('Content-Type')).toMatch(/^image\//);
    const bytes = new Uint8Array(await thumb.arrayBuffer());
    expect(bytes.length).toBeGreaterThan(0);
    // Bound to thumb: the same token does not open w256 or the original.
    const w256Path = thumbOnly.path.replace('/thumb?', '/w256?');
    expect((await call(w256Path)).status).toBe(403);
    expect((await call(thumbOnly.path.replace('/thumb?', '?'))).status).toBe(403);
    // An unbound token opens every rendition; transforms and other presets do not exist.
    const all = await tokenUrl(alice, small.id);
    expect((await call(all.path.replace('?token', '/w1024?token'))).status).toBe(200);
    expect((await call(all.path.replace('?token', '/w512?token'))).status).toBe(404);
    expect((await call(`${all.path}&w=100`)).status).toBe(400);
    // A redelivery renders nothing again.
    const before = await env.IMAGES_BUCKET.head(`${folder}enc-thumb.pfse`);
    await renderRenditions(small.id, alice.id);
    expect((await env.IMAGES_BUCKET.head(`${folder}enc-thumb.pfse`))!.etag).toBe(before!.etag);
    // No clear variant was written by the ordinary variants job.
    expect(await db.select().from(images).where(eq(images.id, small.id))).toHaveLength(1);
  });

  it('deduplicates within the account only, without a hash that links accounts', async () => {
    const again = await uploadEncrypted(alice, photo, 'secret-again.jpg');
    expect(again).toMatchObject({ id: image.id, duplicate: true });
    await enableEncryption(bob);
    const bobs = await uploadEncrypted(bob, photo, 'secret.jpg');
    expect(bobs.duplicate).toBe(false);
    expect((await rowOf(bobs.id)).contentHash).not.toBe((await rowOf(image.id)).contentHash);
  });
});

describe('tampering', () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await createUser('enc-tamper');
    await enableEncryption(user);
  });

  let seed = 0;
  async function fresh(name: string) {
    const bytes = uniqueJpeg(200_000, ++seed, largeJpeg);
    const uploaded = await uploadEncrypted(user, bytes, name, { encrypt: 'true', title: name });
    return { ...uploaded, row: await rowOf(uploaded.id), path: (await tokenUrl(user, uploaded.id)).path };
  }

  async function expectDecryptFailure(path: string, init?: RequestInit) {
    const response = await call(path, init);
    expect(response.status).toBe(500);
    const error = await errorOf(response);
    expect(error.code).toBe('DECRYPTION_FAILED');
    return error;
  }

  it('a flipped byte, a truncated object or a swapped object is a DECRYPTION_FAILED and a crypto event', async () => {
    const flipped = await fresh('flipped.jpg');
    const bytes = await rawObject(flipped.row.storageKey);
    bytes[70_000]! ^= 0x01;
    await env.IMAGES_BUCKET.put(flipped.row.storageKey, bytes);
    await expectDecryptFailure(flipped.path);
    // A range that covers the flipped segment fails; one that does not is still served.
    await expectDecryptFailure(flipped.path, { headers: { Range: 'bytes=66000-66010' } });
    expect((await call(flipped.path, { headers: { Range: 'bytes=0-10' } })).status).toBe(206);

    const truncated = await fresh('truncated.jpg');
    const whole = await rawObject(truncated.row.storageKey);
    await env.IMAGES_BUCKET.put(truncated.row.storageKey, whole.subarray(0, 16 + 2 * (65536 + 16)));
    await expectDecryptFailure(truncated.path);

    const swapped = await fresh('swapped.jpg');
    const donor = await fresh('donor.jpg');
    await env.IMAGES_BUCKET.put(swapped.row.storageKey, await rawObject(donor.row.storageKey));
    await expectDecryptFailure(swapped.path);

    const events = await eventsOf(user.id, 'decrypt.failed');
    expect(events.map((event) => event.imageId)).toEqual(
      expect.arrayContaining([flipped.id, truncated.id, swapped.id]),
    );
    // Nothing secret is recorded.
    expect(JSON.stringify(events)).not.toContain(flipped.row.wrappedKey!.slice(3));
  });

  it('another image’s CEK, or a TMK version that does not exist, is refused', async () => {
    const victim = await fresh('victim.jpg');
    const other = await fresh('other.jpg');
    await db.update(images).set({ wrappedKey: other.row.wrappedKey }).where(eq(images.id, victim.id));
    expect((await expectDecryptFailure(victim.path)).message).toContain('content key');
    await db
      .update(images)
      .set({ wrappedKey: victim.row.wrappedKey!.replace(/^v1\./, 'v7.') })
      .where(eq(images.id, victim.id));
    expect((await expectDecryptFailure(victim.path)).message).toContain('version 7');
  });
});

describe('upload paths and the account default', () => {
  it('two-step and tus (in memory) take encrypt; the account default applies unless encrypt=false', async () => {
    const user = await createUser('enc-paths');
    await enableEncryption(user);
    const jpeg = fixture('photo-gps.jpg');

    const { startTwoStep } = await import('../../../test/fixtures/two-step-helpers');
    const step = await startTwoStep(user, { filename: 'two.jpg', encrypt: true });
    const put = await call(step.path, { method: 'PUT', body: jpeg });
    expect(put.status).toBe(201);
    expect(await rowOf(step.id)).toMatchObject({ isEncrypted: true });
    expect(await downloaded(user, step.id)).toEqual(await downloaded(user, step.id));

    const { b64, create, patch } = await import('../../../test/fixtures/tus-helpers');
    const tusPath = await create(user, jpeg.length, `filename ${b64('tus.jpg')},encrypt ${b64('true')}`);
    const done = await patch(user, tusPath, 0, jpeg);
    expect(done.status).toBe(204);
    const tusId = done.headers.get('Pixelflare-Image-Id')!;
    const tusRow = await rowOf(tusId);
    expect(tusRow.isEncrypted).toBe(true);
    expect((await rawObject(tusRow.storageKey)).subarray(0, 4)).toEqual(PFSE_MAGIC);

    const patchDefault = await call(
      '/v1/encryption',
      authed(user.key, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ encrypt_by_default: true }),
      }),
    );
    expect(patchDefault.status).toBe(200);
    const byDefault = await uploadEncrypted(user, fixture('stripe.jpg'), 'default.jpg', {});
    expect((await rowOf(byDefault.id)).isEncrypted).toBe(true);
    const optedOut = await uploadEncrypted(user, fixture('tiny.png'), 'clear.png', { encrypt: 'false' });
    expect((await rowOf(optedOut.id)).isEncrypted).toBe(false);
    expect((await call(`/cdn/i/${optedOut.short_id}`)).status).toBe(200);
  });
});
