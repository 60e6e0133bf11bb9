import { SELF } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { configBody, freshPrefix, jsonInit, s3, s3Bytes, TEST_BUCKET } from '../../../test/backup-helpers';
import { enableEncryption, uploadEncrypted } from '../../../test/fixtures/encryption-helpers';
import { fixture } from '../../../test/fixtures/fixtures.generated';
import { upload, uploadForm } from '../../../test/fixtures/upload-helpers';
import { authed, BASE, call, createUser, errorOf, type TestUser } from '../../../test/helpers';
import { waitFor } from '../../../test/wait-for';
import { createS3Key, s3ClientOf } from '../../../test/fixtures/s3-keys';

/**
 * Bring your own storage against the real SigV4-checking S3 server on loopback (test/global-setup-s3.ts): the
 * original moves into the owner's bucket after a verified backup, the CDN and the download read it from there,
 * renditions stay in R2, an unreachable bucket is a 502 that is never cached, and turning it off brings the
 * originals back.
 */

interface Row {
  storage_key: string;
  short_id: string;
  original_in: string;
  backup_status: string;
  backup_error: string | null;
}

const rowOf = (id: string) => env.DB.prepare('SELECT * FROM images WHERE id = ?').bind(id).first<Row>();

async function configure(user: TestUser, overrides: Record<string, unknown> = {}) {
  const prefix = freshPrefix(user.slug);
  const response = await call(
    '/v1/backup/config',
    jsonInit(user, 'PUT', configBody({ prefix, byos: true, ...overrides })),
  );
  expect(response.status, await response.clone().text()).toBe(200);
  return prefix;
}

async function uploadImage(user: TestUser, name: string, bytes: Uint8Array) {
  const response = await upload(user, uploadForm(bytes, name));
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

/** Every key the S3 server holds under a prefix (ListObjectsV2, read independently of the app's client). */
async function bucketKeys(prefix: string): Promise<string[]> {
  const listed = await s3.fetch(
    `${env.S3_TEST_ENDPOINT}/${TEST_BUCKET}?list-type=2&prefix=${encodeURIComponent(prefix)}`,
  );
  const xml = await listed.text();
  return [...xml.matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((match) => match[1]!).sort();
}

const bytesOf = async (response: Response) => new Uint8Array(await response.arrayBuffer());

describe('bring your own storage', () => {
  it('moves an upload’s original into the bucket only; the CDN and the download serve it from there', async () => {
    const owner = await createUser('byos-owner');
    const prefix = await configure(owner);
    const original = fixture('stripe.jpg');
    const id = await uploadImage(owner, 'stripe.jpg', original);
    await waitFor(async () => expect((await rowOf(id))?.original_in).toBe('byos'));
    const row = (await rowOf(id))!;
    expect(row.backup_status).toBe('done');
    const folder = `${prefix}${owner.id}/${id}/`;
    // Only in the owner's bucket: byte-identical there, gone from R2, and nothing else left behind.
    expect(await s3Bytes(`${folder}original.jpg`)).toEqual(original);
    expect(await env.IMAGES_BUCKET.head(row.storage_key)).toBeNull();
    expect(await bucketKeys(prefix)).toEqual([`${folder}image.json`, `${folder}original.jpg`]);
    expect((await env.IMAGES_BUCKET.list({ prefix: 'staging/' })).objects).toEqual([]);

    // The CDN's original, whole and by range, comes from the bucket.
    const served = await call(`/cdn/i/${row.short_id}`);
    expect(served.status).toBe(200);
    expect(await bytesOf(served)).toEqual(original);
    const ranged = await call(`/cdn/i/${row.short_id}`, { headers: { Range: 'bytes=10-19' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('Content-Range')).toBe(`bytes 10-19/${original.length}`);
    expect(await bytesOf(ranged)).toEqual(original.subarray(10, 20));

    // A transform rendered from the bucket's original is byte-identical to the same transform of the same bytes
    // kept in R2 by an owner without BYOS; the rendition itself is stored in R2, not in the bucket.
    const plain = await createUser('byos-plain');
    const plainId = await uploadImage(plain, 'stripe.jpg', original);
    const plainRow = (await rowOf(plainId))!;
    expect(plainRow.original_in).toBe('r2');
    const transformed = await call(`/cdn/i/${row.short_id}?w=37&format=png`);
    expect(transformed.status, await transformed.clone().text()).toBe(200);
    const reference = await call(`/cdn/i/${plainRow.short_id}?w=37&format=png`);
    expect(reference.status).toBe(200);
    expect(await bytesOf(transformed)).toEqual(await bytesOf(reference));
    const folderInR2 = row.storage_key.slice(0, row.storage_key.lastIndexOf('/') + 1);
    const renditions = await env.IMAGES_BUCKET.list({ prefix: folderInR2 });
    expect(renditions.objects.map((object) => object.key)).not.toContain(row.storage_key);
    expect(renditions.objects.length).toBeGreaterThan(0);
    expect(await bucketKeys(prefix)).toEqual([`${folder}image.json`, `${folder}original.jpg`]);

    // The owner's download reads the bucket too.
    const downloaded = await call(`/v1/images/${id}/download`, authed(owner.key));
    expect(downloaded.status).toBe(200);
    expect(await bytesOf(downloaded)).toEqual(original);

    // And so does an S3 tool's GetObject (the S3-compatible endpoint), whole and by range.
    const tool = s3ClientOf(await createS3Key(owner, 'read'));
    const objectUrl = `${BASE}/s3/${owner.slug}/stripe.jpg`;
    const got = await SELF.fetch(await tool.sign(objectUrl));
    expect(got.status, await got.clone().text()).toBe(200);
    expect(await bytesOf(got)).toEqual(original);
    const part = await SELF.fetch(await tool.sign(objectUrl, { headers: { Range: 'bytes=10-19' } }));
    expect(part.status).toBe(206);
    expect(await bytesOf(part)).toEqual(original.subarray(10, 20));

    // A rename rewrites the sidecar in place and moves nothing back.
    const renamed = await call(`/v1/images/${id}`, jsonInit(owner, 'PATCH', { title: 'Renamed' }));
    expect(renamed.status).toBe(200);
    await waitFor(async () => {
      const sidecar = JSON.parse(new TextDecoder().decode((await s3Bytes(`${folder}image.json`))!)) as {
        image: { title: string | null };
      };
      expect(sidecar.image.title).toBe('Renamed');
    });
    expect((await rowOf(id))?.original_in).toBe('byos');
    expect(await env.IMAGES_BUCKET.head(row.storage_key)).toBeNull();

    const status = (await (await call('/v1/backup/status', authed(owner.key))).json()) as {
      originals_in_bucket: number;
    };
    expect(status.originals_in_bucket).toBe(1);
  });

  it('answers 502 JSON, never cached and never from another copy, while the bucket is unreachable or lost', async () => {
    const owner = await createUser('byos-down');
    const prefix = await configure(owner);
    const original = fixture('tiny.png');
    const id = await uploadImage(owner, 'tiny.png', original);
    await waitFor(async () => expect((await rowOf(id))?.original_in).toBe('byos'));
    const { short_id: shortId } = (await rowOf(id))!;
    // The bucket's host stops answering (nothing listens on port 1): the config row is pointed there, as an
    // outage would do to a working endpoint.
    const endpoint = env.S3_TEST_ENDPOINT;
    await env.DB.prepare('UPDATE backup_configs SET endpoint = ? WHERE owner_id = ?')
      .bind('http://127.0.0.1:1', owner.id)
      .run();
    for (const path of [
      `/cdn/i/${shortId}`,
      `/cdn/i/${shortId}?w=5&format=png`,
      `/v1/images/${id}/download`,
    ]) {
      const response = await call(path, path.startsWith('/v1') ? authed(owner.key) : {});
      expect(response.status, path).toBe(502);
      expect(response.headers.get('Content-Type')).toContain('application/json');
      expect(response.headers.get('Cache-Control')).toBe('no-store');
      const error = await errorOf(response);
      expect(error.code).toBe('SERVICE_UNAVAILABLE');
      expect(error.message).toMatch(/own storage bucket.*could not reach 127\.0\.0\.1:1/);
    }
    // Back up: served again (the 502 was not cached).
    await env.DB.prepare('UPDATE backup_configs SET endpoint = ? WHERE owner_id = ?')
      .bind(endpoint, owner.id)
      .run();
    const again = await call(`/cdn/i/${shortId}`);
    expect(again.status).toBe(200);
    expect(await bytesOf(again)).toEqual(original);
    // The original deleted from the bucket by its owner: a 502 naming the missing key, not a 404 or a 500.
    const gone = await s3.fetch(
      `${env.S3_TEST_ENDPOINT}/${TEST_BUCKET}/${prefix}${owner.id}/${id}/original.png`,
      { method: 'DELETE' },
    );
    expect(gone.status).toBe(204);
    const lost = await call(`/cdn/i/${shortId}?w=6&format=png`);
    expect(lost.status).toBe(502);
    expect((await errorOf(lost)).message).toContain('not in the bucket');
  });

  it('keeps an encrypted image as ciphertext in the bucket and still decrypts it for its owner', async () => {
    const owner = await createUser('byos-encrypted');
    await enableEncryption(owner);
    const prefix = await configure(owner);
    const plain = fixture('stripe.jpg');
    const { id } = await uploadEncrypted(owner, plain, 'secret.jpg');
    await waitFor(async () => expect((await rowOf(id))?.original_in).toBe('byos'));
    const stored = (await s3Bytes(`${prefix}${owner.id}/${id}/original.jpg`))!;
    expect(stored.length).toBeGreaterThan(plain.length);
    expect(Buffer.from(stored).includes(Buffer.from(plain.subarray(0, 64)))).toBe(false);
    const downloaded = await call(`/v1/images/${id}/download`, authed(owner.key));
    expect(downloaded.status).toBe(200);
    expect(await bytesOf(downloaded)).toEqual(plain);
  });

  it('refuses to move or remove a bucket that holds originals; turning BYOS off brings them back into R2', async () => {
    const owner = await createUser('byos-off');
    const prefix = await configure(owner);
    const original = fixture('tiny.png');
    const id = await uploadImage(owner, 'back.png', original);
    await waitFor(async () => expect((await rowOf(id))?.original_in).toBe('byos'));
    const { storage_key: storageKey, short_id: shortId } = (await rowOf(id))!;

    for (const change of [{ prefix: 'elsewhere/' }, { enabled: false, byos: false }]) {
      const refused = await call(
        '/v1/backup/config',
        jsonInit(owner, 'PUT', configBody({ prefix, byos: true, ...change })),
      );
      expect(refused.status).toBe(409);
      expect((await errorOf(refused)).message).toContain('live only in this bucket');
    }
    const removal = await call('/v1/backup/config', jsonInit(owner, 'DELETE'));
    expect(removal.status).toBe(409);
    const invalid = await call(
      '/v1/backup/config',
      jsonInit(owner, 'PUT', configBody({ prefix, byos: true, enabled: false })),
    );
    expect(invalid.status).toBe(400);

    const off = await call('/v1/backup/config', jsonInit(owner, 'PUT', configBody({ prefix, byos: false })));
    expect(off.status).toBe(200);
    await waitFor(async () => expect((await rowOf(id))?.original_in).toBe('r2'));
    const back = await env.IMAGES_BUCKET.get(storageKey);
    expect(new Uint8Array(await back!.arrayBuffer())).toEqual(original);
    // The bucket keeps its copy, which is the backup from then on; the CDN serves R2's.
    expect(await s3Bytes(`${prefix}${owner.id}/${id}/original.png`)).toEqual(original);
    expect(await bytesOf(await call(`/cdn/i/${shortId}`))).toEqual(original);
    expect((await env.IMAGES_BUCKET.list({ prefix: 'staging/' })).objects).toEqual([]);
    const status = (await (await call('/v1/backup/status', authed(owner.key))).json()) as {
      originals_in_bucket: number;
    };
    expect(status.originals_in_bucket).toBe(0);
    expect((await call('/v1/backup/config', jsonInit(owner, 'DELETE'))).status).toBe(204);
  });
});
