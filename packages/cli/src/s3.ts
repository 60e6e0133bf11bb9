import { S3Client, S3Error, type S3Object, type S3Target } from '@pixelflare/s3';

export { S3Error };

/** A bucket and prefix to import from, with how to sign for it (any endpoint: AWS, R2, MinIO, Backblaze...). */
export interface S3Source extends S3Target {
  prefix: string;
}

/** Reads an import's bucket with the S3 client the API's backups use; two retries, as a CLI on a network wants. */
export class S3Reader {
  private readonly client: S3Client;

  constructor(readonly source: S3Source) {
    this.client = new S3Client(source, undefined, 2);
  }

  /** Every object under the prefix, page by page (1000 keys a page), in the bucket's (lexicographic) order. */
  async *list(): AsyncGenerator<S3Object> {
    let continuationToken: string | undefined;
    do {
      const page = await this.client.listObjects(this.source.prefix, { continuationToken });
      yield* page.objects;
      continuationToken = page.continuationToken ?? undefined;
    } while (continuationToken);
  }

  /** An object's bytes as a stream. */
  async get(key: string): Promise<ReadableStream<Uint8Array>> {
    const object = await this.client.getObject(key);
    if (!object) throw new S3Error(404, 'NoSuchKey', `${key} is no longer in the bucket`);
    return object.body;
  }
}

/** `s3://bucket/prefix` into its bucket and prefix (the prefix may be empty). */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } | null {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(uri);
  if (!match?.[1]) return null;
  return { bucket: match[1], prefix: match[2] ?? '' };
}
