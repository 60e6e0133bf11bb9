import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { mkdtempSync, statSync, writeFileSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { uniquePng } from '../../cli/test/helpers';

const { apiUrl, apiKeys } = inject('s3Stack');

interface S3KeyPair {
  access_key_id: string;
  secret_access_key: string;
  endpoint: string;
  bucket: string;
}

async function createKeyPair(apiKey: string, scope: 'read' | 'write'): Promise<S3KeyPair> {
  const response = await fetch(`${apiUrl}/v1/s3-keys`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: `sdk ${scope}`, scope }),
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as S3KeyPair;
}

const clientFor = (pair: Pick<S3KeyPair, 'access_key_id' | 'secret_access_key' | 'endpoint'>) =>
  new S3Client({
    endpoint: pair.endpoint,
    forcePathStyle: true,
    region: 'auto',
    credentials: { accessKeyId: pair.access_key_id, secretAccessKey: pair.secret_access_key },
  });

async function failureOf(promise: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof S3ServiceException) return error;
    throw error;
  }
  throw new Error('expected the S3 call to fail');
}

const bytesOf = async (body: { transformToByteArray(): Promise<Uint8Array> } | undefined) =>
  Buffer.from((await body?.transformToByteArray()) ?? new Uint8Array());

const cdnBytes = async (path: string) => {
  const response = await fetch(`${apiUrl}/cdn/alice/${path}`);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
};

let pair: S3KeyPair;
let s3: S3Client;
/** The payload mode (`x-amz-content-sha256`) of every request the SDK signed, to know which body encodings ran. */
const payloadModes = new Set<string>();
const run = `r${Date.now().toString(36)}`;

beforeAll(async () => {
  pair = await createKeyPair(apiKeys.alice, 'write');
  expect(pair.bucket).toBe('alice');
  s3 = clientFor(pair);
  s3.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      const mode = request.headers?.['x-amz-content-sha256'];
      if (mode) payloadModes.add(/^[0-9a-f]{64}$/.test(mode) ? 'sha256' : mode);
      return next(args);
    },
    { step: 'finalizeRequest', name: 'recordPayloadMode', priority: 'low' },
  );
});

describe('the S3 endpoint with the AWS SDK for JavaScript', () => {
  it('uploads a folder (albums from prefixes), lists it, downloads what the CDN serves, deletes to the trash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pixelflare-s3-'));
    const files = [`${run}-trip/a.png`, `${run}-trip/b.png`, `${run}-pets/c.png`];
    for (const key of files) {
      // A file from disk, streamed (the SDK sends a stream with its length, as `aws s3 cp` does).
      const path = join(dir, key.replace('/', '_'));
      writeFileSync(path, uniquePng(24, 24));
      const put = await s3.send(
        new PutObjectCommand({
          Bucket: 'alice',
          Key: key,
          Body: createReadStream(path),
          ContentLength: statSync(path).size,
          ContentType: 'image/png',
        }),
      );
      expect(put.ETag).toMatch(/^"[0-9a-f]{64}"$/);
    }
    // The SDK sent the streams aws-chunked (with a checksum trailer) and the buffers with their SHA-256.
    expect([...payloadModes]).toContain('STREAMING-UNSIGNED-PAYLOAD-TRAILER');
    // And one from memory, at the top level: the default album.
    await s3.send(new PutObjectCommand({ Bucket: 'alice', Key: `${run}-top.png`, Body: uniquePng(20, 20) }));

    expect([...payloadModes]).toContain('sha256');
    const albums = await fetch(`${apiUrl}/v1/albums/${run}-trip`, {
      headers: { Authorization: `Bearer ${apiKeys.alice}` },
    });
    expect(albums.status).toBe(200);

    const top = await s3.send(new ListObjectsV2Command({ Bucket: 'alice', Delimiter: '/', Prefix: run }));
    expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual([`${run}-pets/`, `${run}-trip/`]);
    expect(top.Contents?.map((o) => o.Key)).toEqual([`${run}-top.png`]);

    const inTrip = await s3.send(new ListObjectsV2Command({ Bucket: 'alice', Prefix: `${run}-trip/` }));
    expect(inTrip.Contents?.map((o) => o.Key)).toEqual([`${run}-trip/a.png`, `${run}-trip/b.png`]);
    expect(inTrip.KeyCount).toBe(2);

    // One key a page: continuation tokens walk every object once, in order.
    const paged: string[] = [];
    for await (const page of paginateListObjectsV2(
      { client: s3, pageSize: 1 },
      { Bucket: 'alice', Prefix: run },
    )) {
      expect((page.Contents ?? []).length).toBeLessThanOrEqual(1);
      paged.push(...(page.Contents ?? []).map((o) => o.Key!));
    }
    expect(paged).toEqual([...files].sort().concat(`${run}-top.png`).sort());

    const got = await s3.send(new GetObjectCommand({ Bucket: 'alice', Key: `${run}-trip/a.png` }));
    expect(got.ContentType).toBe('image/png');
    const downloaded = await bytesOf(got.Body);
    expect(downloaded.equals(await cdnBytes(`${run}-trip/a.png`))).toBe(true);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'alice', Key: `${run}-trip/a.png` }));
    expect(head.ContentLength).toBe(downloaded.length);
    expect(head.ETag).toBe(got.ETag);
    const top2 = await s3.send(new GetObjectCommand({ Bucket: 'alice', Key: `${run}-top.png` }));
    expect((await bytesOf(top2.Body)).equals(await cdnBytes(`default/${run}-top.png`))).toBe(true);

    await s3.send(new DeleteObjectCommand({ Bucket: 'alice', Key: `${run}-trip/b.png` }));
    const missing = await failureOf(
      s3.send(new HeadObjectCommand({ Bucket: 'alice', Key: `${run}-trip/b.png` })),
    );
    expect(missing.$metadata.httpStatusCode).toBe(404);
    const noKey = await failureOf(
      s3.send(new GetObjectCommand({ Bucket: 'alice', Key: `${run}-trip/b.png` })),
    );
    expect(noKey.name).toBe('NoSuchKey');
    const trash = await fetch(`${apiUrl}/v1/trash`, {
      headers: { Authorization: `Bearer ${apiKeys.alice}` },
    });
    const trashed = (await trash.json()) as { data: { filename: string; album: string | null }[] };
    expect(trashed.data.some((image) => image.filename === 'b.png')).toBe(true);
  });

  it('multipart upload of a large file, assembled and ingested like any upload', async () => {
    const big = uniquePng(1400, 1400, true);
    const partSize = 5 * 1024 * 1024;
    expect(big.length).toBeGreaterThan(partSize);
    const key = `${run}-large/noise.png`;
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'alice', Key: key }));
    const uploadId = created.UploadId!;
    const parts: { PartNumber: number; ETag: string }[] = [];
    for (let offset = 0, number = 1; offset < big.length; offset += partSize, number++) {
      const part = await s3.send(
        new UploadPartCommand({
          Bucket: 'alice',
          Key: key,
          UploadId: uploadId,
          PartNumber: number,
          Body: big.subarray(offset, offset + partSize),
        }),
      );
      parts.push({ PartNumber: number, ETag: part.ETag! });
    }
    expect(parts).toHaveLength(2);
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'alice',
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    expect(done.Key).toBe(key);
    const got = await bytesOf((await s3.send(new GetObjectCommand({ Bucket: 'alice', Key: key }))).Body);
    expect(got.equals(await cdnBytes(key))).toBe(true);
    // PNGs keep their pixels: the stored original is the upload minus nothing private (no EXIF here).
    expect(got.subarray(0, 8).equals(big.subarray(0, 8))).toBe(true);

    const again = await failureOf(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'alice',
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
        }),
      ),
    );
    expect(again.name).toBe('NoSuchUpload');
  });

  it('presigned URLs: a fresh one downloads, an expired one is refused', async () => {
    const key = `${run}-shared/p.png`;
    await s3.send(new PutObjectCommand({ Bucket: 'alice', Key: key, Body: uniquePng(12, 12) }));
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'alice', Key: key }), {
      expiresIn: 300,
    });
    const fresh = await fetch(url);
    expect(fresh.status).toBe(200);
    expect(Buffer.from(await fresh.arrayBuffer()).equals(await cdnBytes(key))).toBe(true);

    const expiredUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'alice', Key: key }), {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 3600_000),
    });
    const expired = await fetch(expiredUrl);
    expect(expired.status).toBe(403);
    const body = await expired.text();
    expect(body).toContain('<Code>AccessDenied</Code>');
    expect(body).toContain('Request has expired');

    // A presigned PUT uploads too.
    const putUrl = await getSignedUrl(
      s3,
      new PutObjectCommand({ Bucket: 'alice', Key: `${run}-shared/q.png` }),
      {
        expiresIn: 300,
      },
    );
    const uploaded = await fetch(putUrl, { method: 'PUT', body: uniquePng(13, 13) });
    expect(uploaded.status, await uploaded.clone().text()).toBe(200);
  });

  it("refuses a wrong signature, another owner's bucket and a read-only key writing", async () => {
    const wrong = clientFor({ ...pair, secret_access_key: `${pair.secret_access_key.slice(0, -1)}x` });
    const refused = await failureOf(wrong.send(new ListObjectsV2Command({ Bucket: 'alice' })));
    expect(refused.name).toBe('SignatureDoesNotMatch');
    expect(refused.$metadata.httpStatusCode).toBe(403);

    const bobs = await failureOf(s3.send(new ListObjectsV2Command({ Bucket: 'bob' })));
    expect(bobs.name).toBe('AccessDenied');
    const bobPut = await failureOf(
      s3.send(new PutObjectCommand({ Bucket: 'bob', Key: 'x.png', Body: uniquePng() })),
    );
    expect(bobPut.name).toBe('AccessDenied');
    const bobList = await fetch(`${apiUrl}/v1/images`, {
      headers: { Authorization: `Bearer ${apiKeys.bob}` },
    });
    expect(JSON.stringify(await bobList.json())).not.toContain(run);

    const reader = clientFor(await createKeyPair(apiKeys.alice, 'read'));
    const readOnly = await failureOf(
      reader.send(new PutObjectCommand({ Bucket: 'alice', Key: `${run}-ro.png`, Body: uniquePng() })),
    );
    expect(readOnly.name).toBe('AccessDenied');
    const listed = await reader.send(new ListObjectsV2Command({ Bucket: 'alice', Prefix: run, MaxKeys: 1 }));
    expect(listed.IsTruncated).toBe(true);
  });
});
