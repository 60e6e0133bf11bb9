import { AwsClient } from 'aws4fetch';

/** Where an S3-compatible bucket is and how to sign for it (any endpoint: AWS, R2, MinIO, Backblaze, Wasabi...). */
export interface S3Source {
  endpoint: string;
  region: string;
  bucket: string;
  prefix: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `endpoint/bucket/key` (the default: every S3-compatible server takes it) or `bucket.endpoint/key`. */
  pathStyle: boolean;
}

export interface S3Object {
  key: string;
  size: number;
  etag: string;
}

/** An S3 answer that was not a success, with S3's own error code (`NoSuchBucket`, `SignatureDoesNotMatch`...). */
export class S3Error extends Error {
  constructor(
    readonly status: number | null,
    readonly code: string | null,
    message: string,
  ) {
    super(message);
    this.name = 'S3Error';
  }
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

function xmlValue(xml: string, name: string): string | null {
  const match = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  return match?.[1] === undefined ? null : decodeXml(match[1]);
}

const encodeKey = (key: string) => key.split('/').map(encodeURIComponent).join('/');

/** Lists and reads a bucket over SigV4 (aws4fetch): ListObjectsV2 pages and object GETs, nothing else. */
export class S3Reader {
  private readonly aws: AwsClient;

  constructor(readonly source: S3Source) {
    this.aws = new AwsClient({
      accessKeyId: source.accessKeyId,
      secretAccessKey: source.secretAccessKey,
      service: 's3',
      region: source.region,
      retries: 2,
    });
  }

  urlOf(key: string, query: Record<string, string> = {}): string {
    const endpoint = new URL(this.source.endpoint);
    const base = endpoint.pathname.replace(/\/+$/, '');
    const path = key ? `/${encodeKey(key)}` : '';
    const url = this.source.pathStyle
      ? new URL(`${endpoint.origin}${base}/${this.source.bucket}${path}`)
      : new URL(`${endpoint.protocol}//${this.source.bucket}.${endpoint.host}${base}${path || '/'}`);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    return url.toString();
  }

  private async send(url: string): Promise<Response> {
    let response: Response;
    try {
      response = await this.aws.fetch(url, { method: 'GET' });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new S3Error(null, null, `could not reach ${new URL(url).host} (${reason})`);
    }
    if (response.ok) return response;
    const text = await response.text().catch(() => '');
    throw new S3Error(
      response.status,
      xmlValue(text, 'Code'),
      xmlValue(text, 'Message') ?? (response.statusText || `HTTP ${response.status}`),
    );
  }

  /** Every object under the prefix, page by page (1000 keys a page), in the bucket's (lexicographic) order. */
  async *list(): AsyncGenerator<S3Object> {
    let token: string | null = null;
    do {
      const query: Record<string, string> = { 'list-type': '2', prefix: this.source.prefix };
      if (token) query['continuation-token'] = token;
      const xml = await (await this.send(this.urlOf('', query))).text();
      for (const match of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
        const entry = match[1] ?? '';
        const key = xmlValue(entry, 'Key');
        if (key === null || key.endsWith('/')) continue;
        yield {
          key,
          size: Number(xmlValue(entry, 'Size') ?? '0'),
          etag: (xmlValue(entry, 'ETag') ?? '').replaceAll('"', ''),
        };
      }
      token = xmlValue(xml, 'IsTruncated') === 'true' ? xmlValue(xml, 'NextContinuationToken') : null;
    } while (token);
  }

  /** An object's bytes as a stream. */
  async get(key: string): Promise<ReadableStream<Uint8Array>> {
    const response = await this.send(this.urlOf(key));
    return response.body ?? new ReadableStream({ start: (controller) => controller.close() });
  }
}

/** `s3://bucket/prefix` into its bucket and prefix (the prefix may be empty). */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } | null {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(uri);
  if (!match?.[1]) return null;
  return { bucket: match[1], prefix: match[2] ?? '' };
}
