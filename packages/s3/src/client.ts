import { AwsClient } from 'aws4fetch';

/** A request that gets no answer within this long fails (a caller may pass its own limit). */
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * The bytes as the DOM's BufferSource: Workers' and the DOM's lib types disagree on whether a Uint8Array's buffer
 * may be shared; the bytes given here (encoded text, R2 reads, file chunks) never are.
 */
const unshared = (bytes: Uint8Array) => bytes as Uint8Array<ArrayBuffer>;

const toHex = (bytes: ArrayBuffer | Uint8Array) =>
  Array.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), (byte) =>
    byte.toString(16).padStart(2, '0'),
  ).join('');

/** Where and how to reach one bucket. */
export interface S3Target {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  pathStyle: boolean;
}

/** An S3 answer that was not a success, or a request that got no answer (`status` null). */
export class S3Error extends Error {
  constructor(
    readonly status: number | null,
    /** S3's error code (`NoSuchBucket`, `SignatureDoesNotMatch`...), or null when there was none to read. */
    readonly code: string | null,
    message: string,
  ) {
    super(message);
    this.name = 'S3Error';
  }

  /** One line for a log or the `backup_error` column: the code first, since that is what people search for. */
  get summary(): string {
    const where = this.status === null ? 'unreachable' : `HTTP ${this.status}`;
    return `${this.code ?? where}: ${this.message}`;
  }
}

export interface HeadResult {
  size: number;
  etag: string;
  metadata: Record<string, string>;
}

/** One entry of a listing. */
export interface S3Object {
  key: string;
  size: number;
  etag: string;
}

/** What a GET answered: the body still to be read. */
export interface GetResult extends HeadResult {
  body: ReadableStream<Uint8Array>;
}

const XML_TAG = (name: string) => new RegExp(`<${name}>([\\s\\S]*?)</${name}>`);

function xmlValue(xml: string, name: string): string | null {
  const match = XML_TAG(name).exec(xml);
  return match?.[1] === undefined ? null : decodeXml(match[1]);
}

function decodeXml(text: string): string {
  return text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replaceAll('&amp;', '&');
}

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Percent-encodes each segment of an object key, keeping its slashes. */
function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

const METADATA_PREFIX = 'x-amz-meta-';

function metadataOf(headers: Headers): Record<string, string> {
  const metadata: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (name.toLowerCase().startsWith(METADATA_PREFIX)) {
      metadata[name.toLowerCase().slice(METADATA_PREFIX.length)] = value;
    }
  });
  return metadata;
}

/**
 * Base64 of an MD5 digest, as `Content-MD5` wants it. Workers implement MD5 in `crypto.subtle.digest` (Node does
 * not): the writing methods run in the Worker; listing and reading run anywhere (the CLI reads with them).
 */
export async function md5(bytes: Uint8Array): Promise<{ base64: string; hex: string }> {
  const digest = new Uint8Array(await crypto.subtle.digest('MD5', unshared(bytes)));
  let binary = '';
  for (const byte of digest) binary += String.fromCharCode(byte);
  return { base64: btoa(binary), hex: toHex(digest) };
}

const unquote = (etag: string | null) => (etag ?? '').replaceAll('"', '');

/**
 * A small S3 client over aws4fetch (SigV4), covering what backups and imports use: object PUT/GET/HEAD/DELETE,
 * ListObjectsV2 and multipart uploads. Path-style (`endpoint/bucket/key`) or virtual-hosted (`bucket.endpoint/key`)
 * addressing. aws4fetch's own retries are off unless asked for: a failed backup is retried by its queue, and an
 * unreachable host must fail within one request's timeout.
 */
export class S3Client {
  private readonly aws: AwsClient;

  constructor(
    readonly target: S3Target,
    private readonly timeoutMs: number = DEFAULT_TIMEOUT_MS,
    retries = 0,
  ) {
    this.aws = new AwsClient({
      accessKeyId: target.accessKeyId,
      secretAccessKey: target.secretAccessKey,
      service: 's3',
      region: target.region,
      retries,
    });
  }

  /** The URL of a key (or of the bucket itself when `key` is empty). */
  urlOf(key: string, query?: Record<string, string>): string {
    const endpoint = new URL(this.target.endpoint);
    const base = endpoint.pathname.replace(/\/+$/, '');
    // The bucket itself (a listing) has no trailing slash: `/bucket`, as S3's canonical request expects.
    const path = key ? `/${encodeKey(key)}` : '';
    const url = this.target.pathStyle
      ? new URL(`${endpoint.origin}${base}/${this.target.bucket}${path}`)
      : new URL(`${endpoint.protocol}//${this.target.bucket}.${endpoint.host}${base}${path || '/'}`);
    for (const [name, value] of Object.entries(query ?? {})) url.searchParams.set(name, value);
    return url.toString();
  }

  private async send(
    url: string,
    init: RequestInit & { headers?: Record<string, string> },
  ): Promise<Response> {
    let response: Response;
    try {
      response = await this.aws.fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new S3Error(null, null, `could not reach ${new URL(url).host} (${reason})`);
    }
    if (response.ok) return response;
    const text = init.method === 'HEAD' ? '' : await response.text().catch(() => '');
    const code = xmlValue(text, 'Code') ?? (response.status === 404 ? 'NotFound' : null);
    const message = xmlValue(text, 'Message') ?? (response.statusText || `HTTP ${response.status}`);
    throw new S3Error(response.status, code, message);
  }

  /** PUT of a body held in memory, with Content-MD5 and its SHA-256 signed: the server checks both. */
  async putObject(
    key: string,
    body: Uint8Array,
    options: { contentType?: string; metadata?: Record<string, string> } = {},
  ): Promise<{ etag: string }> {
    const [digest, sha256] = await Promise.all([md5(body), crypto.subtle.digest('SHA-256', unshared(body))]);
    const response = await this.send(this.urlOf(key), {
      method: 'PUT',
      body: unshared(body),
      headers: {
        'Content-Type': options.contentType ?? 'application/octet-stream',
        'Content-MD5': digest.base64,
        'X-Amz-Content-Sha256': toHex(sha256),
        ...metadataHeaders(options.metadata),
      },
    });
    const etag = unquote(response.headers.get('ETag'));
    // A single PUT's ETag is its MD5 (without SSE-KMS): a different one means the bytes were not received as sent.
    if (etag && /^[0-9a-f]{32}$/.test(etag) && etag !== digest.hex) {
      throw new S3Error(response.status, 'BadDigest', `the server stored ${etag}, expected ${digest.hex}`);
    }
    return { etag };
  }

  async headObject(key: string): Promise<HeadResult | null> {
    try {
      const response = await this.send(this.urlOf(key), { method: 'HEAD' });
      return {
        size: Number(response.headers.get('Content-Length') ?? '0'),
        etag: unquote(response.headers.get('ETag')),
        metadata: metadataOf(response.headers),
      };
    } catch (error) {
      if (error instanceof S3Error && error.status === 404) return null;
      throw error;
    }
  }

  /** A GET, whole or one byte range; `size` is the whole object's either way (from Content-Range for a range). */
  async getObject(key: string, range?: { offset: number; length: number }): Promise<GetResult | null> {
    try {
      const response = await this.send(this.urlOf(key), {
        method: 'GET',
        ...(range ? { headers: { Range: `bytes=${range.offset}-${range.offset + range.length - 1}` } } : {}),
      });
      const total = /\/(\d+)$/.exec(response.headers.get('Content-Range') ?? '')?.[1];
      return {
        size: Number(total ?? response.headers.get('Content-Length') ?? '0'),
        etag: unquote(response.headers.get('ETag')),
        metadata: metadataOf(response.headers),
        body: response.body ?? new ReadableStream({ start: (c) => c.close() }),
      };
    } catch (error) {
      if (error instanceof S3Error && error.status === 404 && error.code !== 'NoSuchBucket') return null;
      throw error;
    }
  }

  async deleteObject(key: string): Promise<void> {
    const response = await this.send(this.urlOf(key), { method: 'DELETE' });
    await response.body?.cancel();
  }

  /** Keys under a prefix, one page (ListObjectsV2). */
  async listKeys(prefix: string, maxKeys = 1000): Promise<string[]> {
    return (await this.listObjects(prefix, { maxKeys })).objects.map((object) => object.key);
  }

  /** One page of keys under a prefix after `startAfter` (ListObjectsV2), and whether more follow. */
  async listPage(
    prefix: string,
    options: { startAfter?: string; maxKeys: number },
  ): Promise<{ keys: string[]; truncated: boolean }> {
    const page = await this.listObjects(prefix, options);
    return { keys: page.objects.map((object) => object.key), truncated: page.truncated };
  }

  /**
   * One page of objects under a prefix (ListObjectsV2), after `startAfter` or from a `continuationToken`; folder
   * markers (keys ending in `/`) are left out.
   */
  async listObjects(
    prefix: string,
    options: { startAfter?: string; continuationToken?: string; maxKeys?: number } = {},
  ): Promise<{ objects: S3Object[]; truncated: boolean; continuationToken: string | null }> {
    const query: Record<string, string> = {
      'list-type': '2',
      prefix,
      'max-keys': String(options.maxKeys ?? 1000),
    };
    if (options.startAfter) query['start-after'] = options.startAfter;
    if (options.continuationToken) query['continuation-token'] = options.continuationToken;
    const xml = await (await this.send(this.urlOf('', query), { method: 'GET' })).text();
    const objects: S3Object[] = [];
    for (const match of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
      const entry = match[1] ?? '';
      const key = xmlValue(entry, 'Key');
      if (key === null || key.endsWith('/')) continue;
      objects.push({
        key,
        size: Number(xmlValue(entry, 'Size') ?? '0'),
        etag: unquote(xmlValue(entry, 'ETag')),
      });
    }
    const truncated = xmlValue(xml, 'IsTruncated') === 'true';
    return {
      objects,
      truncated,
      continuationToken: truncated ? xmlValue(xml, 'NextContinuationToken') : null,
    };
  }

  async createMultipartUpload(
    key: string,
    options: { contentType: string; metadata: Record<string, string> },
  ): Promise<string> {
    const response = await this.send(this.urlOf(key, { uploads: '' }), {
      method: 'POST',
      headers: { 'Content-Type': options.contentType, ...metadataHeaders(options.metadata) },
    });
    const uploadId = xmlValue(await response.text(), 'UploadId');
    if (!uploadId) throw new S3Error(response.status, null, 'CreateMultipartUpload answered no UploadId');
    return uploadId;
  }

  /** One part, held in memory (one part is the most a multipart upload ever holds), with Content-MD5. */
  async uploadPart(key: string, uploadId: string, partNumber: number, body: Uint8Array): Promise<string> {
    const digest = await md5(body);
    const response = await this.send(this.urlOf(key, { partNumber: String(partNumber), uploadId }), {
      method: 'PUT',
      body: unshared(body),
      headers: {
        'Content-MD5': digest.base64,
        'X-Amz-Content-Sha256': toHex(await crypto.subtle.digest('SHA-256', unshared(body))),
      },
    });
    const etag = unquote(response.headers.get('ETag'));
    if (etag && etag !== digest.hex) {
      throw new S3Error(
        response.status,
        'BadDigest',
        `part ${partNumber} stored as ${etag}, expected ${digest.hex}`,
      );
    }
    return etag || digest.hex;
  }

  async completeMultipartUpload(key: string, uploadId: string, etags: readonly string[]): Promise<string> {
    const parts = etags
      .map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>"${escapeXml(etag)}"</ETag></Part>`)
      .join('');
    const body = `<CompleteMultipartUpload>${parts}</CompleteMultipartUpload>`;
    const response = await this.send(this.urlOf(key, { uploadId }), {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/xml' },
    });
    const xml = await response.text();
    // S3 may answer 200 with an error in the body when the completion fails late.
    const code = xmlValue(xml, 'Code');
    if (code && !xmlValue(xml, 'ETag')) throw new S3Error(200, code, xmlValue(xml, 'Message') ?? code);
    return unquote(xmlValue(xml, 'ETag'));
  }

  async abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    const response = await this.send(this.urlOf(key, { uploadId }), { method: 'DELETE' });
    await response.body?.cancel();
  }
}

/**
 * Object metadata as `x-amz-meta-*` headers. Header values must be ASCII, so values are percent-encoded
 * (`encodeURIComponent`); decode them with `decodeURIComponent`.
 */
function metadataHeaders(metadata: Record<string, string> | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata ?? {})) {
    headers[`${METADATA_PREFIX}${name}`] = encodeURIComponent(value);
  }
  return headers;
}
