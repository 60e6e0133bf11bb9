import { s3AccessKeys, createDb } from '@pixelflare/database';
import { RATE_LIMITS } from '@pixelflare/config';
import type { AwsClient } from 'aws4fetch';
import { SELF } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import { fixture } from '../../../test/fixtures/fixtures.generated';
import { largeJpeg } from '../../../test/fixtures/large-files';
import { authed, BASE, call, createUser } from '../../../test/helpers';
import { createS3Key, s3ClientOf } from '../../../test/fixtures/s3-keys';

async function s3(client: AwsClient, path: string, init: RequestInit = {}): Promise<Response> {
  const signed = await client.sign(`${BASE}/s3${path}`, init);
  return SELF.fetch(signed);
}

const codeOf = async (response: Response) => /<Code>([^<]+)<\/Code>/.exec(await response.text())?.[1];

describe('/v1/s3-keys', () => {
  it('shows the secret once, stores it sealed, lists without it and revokes', async () => {
    const owner = await createUser('s3-keys-owner');
    const key = await createS3Key(owner);
    expect(key.access_key_id).toMatch(/^PF[A-Z2-7]{18}$/);
    expect(key.secret_access_key).toHaveLength(40);
    expect(key.bucket).toBe('s3-keys-owner');
    expect(key.endpoint).toBe(`${BASE}/s3`);

    const [row] = await createDb(env.DB).select().from(s3AccessKeys).where(eq(s3AccessKeys.id, key.id));
    expect(row?.secretSealed).toBeTruthy();
    expect(row?.secretSealed).not.toContain(key.secret_access_key);

    const list = await (await call('/v1/s3-keys', authed(owner.key))).text();
    expect(list).toContain(key.access_key_id);
    expect(list).not.toContain(key.secret_access_key);

    expect((await s3(s3ClientOf(key), '/')).status).toBe(200);
    const revoke = await call(`/v1/s3-keys/${key.id}`, authed(owner.key, { method: 'DELETE' }));
    expect(revoke.status).toBe(204);
    const after = await s3(s3ClientOf(key), '/');
    expect(after.status).toBe(403);
    expect(await codeOf(after)).toBe('InvalidAccessKeyId');
  });

  it('refuses a write key to an API key that cannot write', async () => {
    const owner = await createUser('s3-keys-reader', {
      scopes: ['keys:manage', 'images:read', 'albums:read', 'analytics:read'],
    });
    const response = await call(
      '/v1/s3-keys',
      authed(owner.key, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'escalate', scope: 'write' }),
      }),
    );
    expect(response.status).toBe(403);
  });
});

describe('/s3', () => {
  it('PutObject ingests into the album, GetObject returns what the CDN serves, DeleteObject trashes', async () => {
    const owner = await createUser('s3-put');
    const client = s3ClientOf(await createS3Key(owner));
    const photo = fixture('photo-gps.jpg');
    const put = await s3(client, '/s3-put/holiday/beach.jpg', { method: 'PUT', body: photo });
    expect(put.status, await put.clone().text()).toBe(200);
    expect(put.headers.get('x-pixelflare-key')).toBe('holiday/beach.jpg');
    const etag = put.headers.get('ETag');

    const image = await env.DB.prepare(
      'SELECT album_slug, filename, bytes FROM images WHERE owner_id = ? AND deleted_at IS NULL',
    )
      .bind(owner.id)
      .first<{ album_slug: string; filename: string; bytes: number }>();
    expect(image).toMatchObject({ album_slug: 'holiday', filename: 'beach.jpg' });
    // Stripped like any upload: the stored original is smaller than the GPS-tagged file sent.
    expect(image!.bytes).toBeLessThan(photo.length);

    const get = await s3(client, '/s3-put/holiday/beach.jpg');
    expect(get.status).toBe(200);
    expect(get.headers.get('ETag')).toBe(etag);
    const bytes = new Uint8Array(await get.arrayBuffer());
    const cdn = new Uint8Array(await (await call('/cdn/s3-put/holiday/beach.jpg')).arrayBuffer());
    expect(bytes).toEqual(cdn);
    expect(bytes.length).toBe(image!.bytes);

    const head = await s3(client, '/s3-put/holiday/beach.jpg', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('Content-Length')).toBe(String(image!.bytes));
    expect(head.headers.get('Content-Type')).toBe('image/jpeg');

    // Audited as the S3 key that did it.
    await vi.waitFor(async () => {
      const audit = await env.DB.prepare(
        'SELECT actor, action, resource_id FROM audit_logs WHERE owner_id = ?',
      )
        .bind(owner.id)
        .all<{ actor: string; action: string; resource_id: string }>();
      expect(audit.results.find((row) => row.action === 's3.put_object')?.actor).toMatch(/^key:s3k_/);
    });

    const del = await s3(client, '/s3-put/holiday/beach.jpg', { method: 'DELETE' });
    expect(del.status).toBe(204);
    const trashed = await env.DB.prepare('SELECT deleted_at FROM images WHERE owner_id = ?')
      .bind(owner.id)
      .first<{ deleted_at: number | null }>();
    expect(trashed?.deleted_at).not.toBeNull();
    const gone = await s3(client, '/s3-put/holiday/beach.jpg');
    expect(gone.status).toBe(404);
    expect(await codeOf(gone)).toBe('NoSuchKey');
  });

  it('takes concurrent PutObjects into a folder that is not an album yet (rclone sends four at once)', async () => {
    const owner = await createUser('s3-concurrent');
    const client = s3ClientOf(await createS3Key(owner));
    const files = ['tiny.png', 'stripe.jpg', 'photo-gps.jpg', 'tiny.gif'] as const;
    for (const folder of ['one', 'two', 'three']) {
      const answers = await Promise.all(
        files.map((name) =>
          s3(client, `/s3-concurrent/${folder}/${name}`, { method: 'PUT', body: fixture(name) }),
        ),
      );
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    }
    const albums = await env.DB.prepare('SELECT slug FROM albums WHERE owner_id = ? ORDER BY slug')
      .bind(owner.id)
      .all<{ slug: string }>();
    expect(albums.results.map((album) => album.slug)).toEqual(['one', 'three', 'two']);
  });

  it('PutObject over an existing key replaces it (the old image goes to the trash)', async () => {
    const owner = await createUser('s3-overwrite');
    const client = s3ClientOf(await createS3Key(owner));
    await s3(client, '/s3-overwrite/a.jpg', { method: 'PUT', body: fixture('photo-gps.jpg') });
    const second = await s3(client, '/s3-overwrite/a.jpg', { method: 'PUT', body: fixture('stripe.jpg') });
    expect(second.headers.get('x-pixelflare-key')).toBe('a.jpg');
    const rows = await env.DB.prepare(
      'SELECT filename, deleted_at IS NOT NULL AS trashed FROM images WHERE owner_id = ? ORDER BY created_at',
    )
      .bind(owner.id)
      .all<{ filename: string; trashed: number }>();
    expect(rows.results).toHaveLength(2);
    expect(rows.results[0]).toMatchObject({ trashed: 1 });
    expect(rows.results[1]).toEqual({ filename: 'a.jpg', trashed: 0 });
    const got = new Uint8Array(await (await s3(client, '/s3-overwrite/a.jpg')).arrayBuffer());
    const cdn = new Uint8Array(await (await call('/cdn/s3-overwrite/default/a.jpg')).arrayBuffer());
    expect(got).toEqual(cdn);
    expect(rows.results[0]!.filename).not.toBe('a.jpg');
  });

  it('lists albums as prefixes, pages with continuation tokens and url-encodes keys when asked', async () => {
    const owner = await createUser('s3-list');
    const client = s3ClientOf(await createS3Key(owner));
    const files: [string, Uint8Array][] = [
      ['root.png', fixture('tiny.png')],
      ['cats/one.gif', fixture('tiny.gif')],
      ['cats/two.webp', fixture('tiny.webp')],
      ['dogs/three.jpg', fixture('stripe.jpg')],
    ];
    for (const [key, body] of files) {
      const put = await s3(client, `/s3-list/${key}`, { method: 'PUT', body });
      expect(put.status, await put.clone().text()).toBe(200);
    }
    const top = await (await s3(client, '/s3-list?list-type=2&delimiter=%2F')).text();
    expect([...top.matchAll(/<Prefix>([^<]+)<\/Prefix>/g)].map((m) => m[1])).toEqual(['cats/', 'dogs/']);
    expect([...top.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1])).toEqual(['root.png']);

    const inCats = await (await s3(client, '/s3-list?list-type=2&prefix=cats%2F&delimiter=%2F')).text();
    expect([...inCats.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1])).toEqual([
      'cats/one.gif',
      'cats/two.webp',
    ]);

    const keys: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 10; page++) {
      const query = `list-type=2&max-keys=1${token ? `&continuation-token=${encodeURIComponent(token)}` : ''}`;
      const body = await (await s3(client, `/s3-list?${query}`)).text();
      keys.push(...[...body.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]!));
      token = /<NextContinuationToken>([^<]+)</.exec(body)?.[1];
      if (!token) {
        expect(body).toContain('<IsTruncated>false</IsTruncated>');
        break;
      }
    }
    expect(keys).toEqual(['cats/one.gif', 'cats/two.webp', 'dogs/three.jpg', 'root.png']);

    const encoded = await (await s3(client, '/s3-list?list-type=2&encoding-type=url&prefix=cats%2F')).text();
    expect(encoded).toContain('<EncodingType>url</EncodingType>');
    expect(encoded).toContain('<Key>cats/one.gif</Key>');
  });

  it("refuses a wrong signature, an unknown key, another owner's bucket, a read key writing, an expired URL", async () => {
    const owner = await createUser('s3-refusals');
    const other = await createUser('s3-refusals-other');
    const key = await createS3Key(owner);
    const client = s3ClientOf(key);

    const wrong = await s3(
      s3ClientOf({ ...key, secret_access_key: `${key.secret_access_key.slice(1)}x` }),
      '/s3-refusals?list-type=2',
    );
    expect(wrong.status).toBe(403);
    expect(wrong.headers.get('Content-Type')).toBe('application/xml');
    expect(await codeOf(wrong)).toBe('SignatureDoesNotMatch');

    const unknown = await s3(
      s3ClientOf({ access_key_id: 'PFAAAAAAAAAAAAAAAAAA', secret_access_key: 'x' }),
      '/',
    );
    expect(await codeOf(unknown)).toBe('InvalidAccessKeyId');

    const theirs = await s3(client, '/s3-refusals-other?list-type=2');
    expect(theirs.status).toBe(403);
    expect(await codeOf(theirs)).toBe('AccessDenied');
    const theirPut = await s3(client, '/s3-refusals-other/x.png', {
      method: 'PUT',
      body: fixture('tiny.png'),
    });
    expect(theirPut.status).toBe(403);
    const count = await env.DB.prepare('SELECT COUNT(*) AS n FROM images WHERE owner_id = ?')
      .bind(other.id)
      .first<{ n: number }>();
    expect(count?.n).toBe(0);

    const missing = await s3(client, '/nobody-has-this-bucket?list-type=2');
    expect(missing.status).toBe(404);
    expect(await codeOf(missing)).toBe('NoSuchBucket');

    const reader = s3ClientOf(await createS3Key(owner, 'read'));
    const readOnly = await s3(reader, '/s3-refusals/x.png', { method: 'PUT', body: fixture('tiny.png') });
    expect(readOnly.status).toBe(403);
    expect(await codeOf(readOnly)).toBe('AccessDenied');

    const anonymous = await SELF.fetch(`${BASE}/s3/s3-refusals?list-type=2`);
    expect(anonymous.status).toBe(403);

    const notImage = await s3(client, '/s3-refusals/notes.png', { method: 'PUT', body: 'just text' });
    expect(notImage.status).toBe(400);
    expect(await codeOf(notImage)).toBe('InvalidArgument');

    // A presigned URL signed an hour ago for 60 seconds.
    const past = new Date(Date.now() - 3600_000).toISOString().replace(/[:-]|\.\d{3}/g, '');
    const url = new URL(`${BASE}/s3/s3-refusals?list-type=2`);
    url.searchParams.set('X-Amz-Expires', '60');
    const presigned = await client.sign(url.toString(), { aws: { signQuery: true, datetime: past } });
    const expired = await SELF.fetch(presigned.url);
    expect(expired.status).toBe(403);
    const body = await expired.text();
    expect(body).toContain('<Code>AccessDenied</Code>');
    expect(body).toContain('Request has expired');
    const fresh = await client.sign(`${BASE}/s3/s3-refusals?list-type=2`, { aws: { signQuery: true } });
    expect((await SELF.fetch(fresh.url)).status).toBe(200);
  });

  it('multipart upload: create, upload parts, complete ingests; abort forgets', async () => {
    const owner = await createUser('s3-multipart');
    const client = s3ClientOf(await createS3Key(owner));
    const created = await s3(client, '/s3-multipart/big/photo.jpg?uploads', { method: 'POST' });
    expect(created.status, await created.clone().text()).toBe(200);
    const uploadId = /<UploadId>([^<]+)</.exec(await created.text())?.[1] ?? '';
    const body = fixture('stripe.jpg');
    const part = await s3(
      client,
      `/s3-multipart/big/photo.jpg?partNumber=1&uploadId=${encodeURIComponent(uploadId)}`,
      {
        method: 'PUT',
        body,
      },
    );
    expect(part.status, await part.clone().text()).toBe(200);
    const etag = part.headers.get('ETag');
    const complete = await s3(
      client,
      `/s3-multipart/big/photo.jpg?uploadId=${encodeURIComponent(uploadId)}`,
      {
        method: 'POST',
        body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${etag}</ETag></Part></CompleteMultipartUpload>`,
      },
    );
    expect(complete.status, await complete.clone().text()).toBe(200);
    expect(await complete.text()).toContain('<Key>big/photo.jpg</Key>');
    const got = new Uint8Array(await (await s3(client, '/s3-multipart/big/photo.jpg')).arrayBuffer());
    const cdn = new Uint8Array(await (await call('/cdn/s3-multipart/big/photo.jpg')).arrayBuffer());
    expect(got).toEqual(cdn);
    const staged = await env.IMAGES_BUCKET.list({ prefix: `s3-multipart/${owner.id}/` });
    expect(staged.objects).toHaveLength(0);

    const again = await s3(client, `/s3-multipart/big/photo.jpg?uploadId=${encodeURIComponent(uploadId)}`, {
      method: 'POST',
      body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${etag}</ETag></Part></CompleteMultipartUpload>`,
    });
    expect(again.status).toBe(404);
    expect(await codeOf(again)).toBe('NoSuchUpload');

    const second = await s3(client, '/s3-multipart/big/other.png?uploads', { method: 'POST' });
    const secondId = /<UploadId>([^<]+)</.exec(await second.text())?.[1] ?? '';
    const abort = await s3(client, `/s3-multipart/big/other.png?uploadId=${encodeURIComponent(secondId)}`, {
      method: 'DELETE',
    });
    expect(abort.status).toBe(204);
    const afterAbort = await s3(
      client,
      `/s3-multipart/big/other.png?partNumber=1&uploadId=${encodeURIComponent(secondId)}`,
      {
        method: 'PUT',
        body,
      },
    );
    expect(afterAbort.status).toBe(404);
    expect(await codeOf(afterAbort)).toBe('NoSuchUpload');
  });

  it('works with what rclone sends: CreateBucket of its own bucket, a signed Accept-Encoding the runtime rewrote', async () => {
    const owner = await createUser('s3-rclone');
    const client = s3ClientOf(await createS3Key(owner));
    expect((await s3(client, '/s3-rclone', { method: 'PUT' })).status).toBe(200);
    // Go signs `Accept-Encoding: gzip`; workerd hands the Worker `br, gzip`.
    const signed = await client.sign(`${BASE}/s3/s3-rclone?list-type=2`, {
      headers: { 'Accept-Encoding': 'gzip' },
      aws: { allHeaders: true },
    });
    const headers = new Headers(signed.headers);
    headers.set('Accept-Encoding', 'br, gzip');
    const listed = await SELF.fetch(signed.url, { headers });
    expect(listed.status, await listed.clone().text()).toBe(200);
    // Errors are never compressed, whatever the client accepts.
    const missing = await SELF.fetch(
      await client.sign(`${BASE}/s3/s3-rclone/nothing.png`, { headers: { 'Accept-Encoding': 'gzip' } }),
    );
    expect(missing.status).toBe(404);
    expect(missing.headers.get('Content-Encoding')).toBe('identity');
  });

  it('stores the same bytes again at a second key (an S3 client expects its key), not at the same key', async () => {
    const owner = await createUser('s3-dedupe');
    const client = s3ClientOf(await createS3Key(owner));
    const photo = fixture('stripe.jpg');
    expect((await s3(client, '/s3-dedupe/one/a.jpg', { method: 'PUT', body: photo })).status).toBe(200);
    expect((await s3(client, '/s3-dedupe/one/a.jpg', { method: 'PUT', body: photo })).status).toBe(200);
    expect((await s3(client, '/s3-dedupe/two/a.jpg', { method: 'PUT', body: photo })).status).toBe(200);
    const rows = await env.DB.prepare(
      'SELECT album_slug, filename, deleted_at FROM images WHERE owner_id = ? ORDER BY created_at',
    )
      .bind(owner.id)
      .all<{ album_slug: string; filename: string; deleted_at: number | null }>();
    expect(rows.results.map((r) => [r.album_slug, r.filename, r.deleted_at])).toEqual([
      ['one', 'a.jpg', null],
      ['two', 'a.jpg', null],
    ]);
    expect((await s3(client, '/s3-dedupe/two/a.jpg', { method: 'HEAD' })).status).toBe(200);
  });

  it('a single PutObject above the in-memory limit is streamed to R2 and ingested from there', async () => {
    const owner = await createUser('s3-large-put');
    const client = s3ClientOf(await createS3Key(owner));
    const big = largeJpeg(25 * 1024 * 1024);
    const put = await s3(client, '/s3-large-put/big/photo.jpg', { method: 'PUT', body: big });
    expect(put.status, await put.clone().text()).toBe(200);
    const got = new Uint8Array(await (await s3(client, '/s3-large-put/big/photo.jpg')).arrayBuffer());
    const cdn = new Uint8Array(await (await call('/cdn/s3-large-put/big/photo.jpg')).arrayBuffer());
    expect(got.length).toBe(cdn.length);
    expect(got.length).toBeGreaterThan(24 * 1024 * 1024);
    expect(got).toEqual(cdn);
    const staged = await env.IMAGES_BUCKET.list({ prefix: `s3-multipart/${owner.id}/` });
    expect(staged.objects).toHaveLength(0);
  });
});

describe('/s3 rate limits and CORS', () => {
  it('answers a browser preflight without a signature and lets pages read the ETag and x-amz-* headers', async () => {
    const owner = await createUser('s3-cors');
    const preflight = await SELF.fetch(`${BASE}/s3/s3-cors/photos/a.png`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://uploader.example',
        'Access-Control-Request-Method': 'PUT',
        'Access-Control-Request-Headers': 'authorization,x-amz-date,x-amz-content-sha256,amz-sdk-request',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('Access-Control-Allow-Origin')).toBe('*');
    expect(preflight.headers.get('Access-Control-Allow-Methods')).toContain('PUT');
    expect(preflight.headers.get('Access-Control-Allow-Headers')).toBe(
      'authorization,x-amz-date,x-amz-content-sha256,amz-sdk-request',
    );
    expect(preflight.headers.get('Access-Control-Allow-Credentials')).toBeNull();

    const client = s3ClientOf(await createS3Key(owner));
    const put = await SELF.fetch(
      await client.sign(`${BASE}/s3/s3-cors/photos/a.png`, {
        method: 'PUT',
        body: fixture('tiny.png'),
        headers: { Origin: 'https://uploader.example' },
      }),
    );
    expect(put.status).toBe(200);
    expect(put.headers.get('Access-Control-Allow-Origin')).toBe('*');
    const exposed = (put.headers.get('Access-Control-Expose-Headers') ?? '').split(/\s*,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(['ETag', 'x-amz-request-id']));
    expect(put.headers.get('ETag')).toBeTruthy();
  });

  it('refuses an address after its failed signatures with SlowDown, before checking the next one', async () => {
    const owner = await createUser('s3-guesser');
    const key = await createS3Key(owner);
    const from = (ip: string, client: AwsClient) =>
      client
        .sign(`${BASE}/s3/s3-guesser?list-type=2`, { headers: { 'CF-Connecting-IP': ip } })
        .then((signed) => SELF.fetch(signed));
    const wrong = s3ClientOf({ ...key, secret_access_key: `${key.secret_access_key.slice(1)}x` });
    const codes = [];
    for (let i = 0; i < RATE_LIMITS.failedAuth.capacity; i++)
      codes.push(await codeOf(await from('203.0.113.9', wrong)));
    expect(new Set(codes)).toEqual(new Set(['SignatureDoesNotMatch']));

    // Even the right secret is refused from that address now; another address is not affected.
    const refused = await from('203.0.113.9', s3ClientOf(key));
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(await codeOf(refused)).toBe('SlowDown');
    expect((await from('203.0.113.10', s3ClientOf(key))).status).toBe(200);
  });

  it("answers SlowDown (503, Retry-After) once an access key's bucket is empty, other keys unaffected", async () => {
    const owner = await createUser('s3-busy');
    const busy = await createS3Key(owner);
    const calm = await createS3Key(owner);
    // The key's bucket as the limiter stores it, used up just now.
    await env.KV.put(`rl:s3:key:${busy.id}`, JSON.stringify({ tokens: 0, updatedAt: Date.now() }));
    const refused = await s3(s3ClientOf(busy), '/s3-busy?list-type=2');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('Content-Type')).toBe('application/xml');
    expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(await codeOf(refused)).toBe('SlowDown');
    expect((await s3(s3ClientOf(calm), '/s3-busy?list-type=2')).status).toBe(200);
  });
});
