import type { ImageContentType } from '@pixelflare/config';
import type { Database } from '@pixelflare/database';
import { AppError } from '../../lib/errors';
import { clientFor, findBackupConfig, type BackupSettings } from './config';
import { S3Error } from '@pixelflare/s3';
import { backupKeysOf, extensionOf } from './layout';

/** What the readers of an original use of an object's head: R2's objects have these, and so do the bucket's. */
export interface OriginalHead {
  size: number;
  httpEtag: string;
  customMetadata?: Record<string, string>;
}

export interface OriginalBody extends OriginalHead {
  body: ReadableStream<Uint8Array>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * The reading half of an R2 bucket, as everything that reads an original uses it (R2Bucket is one). For an image
 * whose original lives in its owner's bucket (bring your own storage), `originalsOf` answers one whose original key
 * reads from that bucket and every other key (renditions) from R2.
 */
export interface ReadBucket {
  head(key: string): Promise<OriginalHead | null>;
  get(key: string, options?: { range?: { offset: number; length: number } }): Promise<OriginalBody | null>;
}

/** The parts of an image row that say where its original is. */
export interface OriginalLocation {
  id: string;
  ownerId: string;
  storageKey: string;
  contentType: ImageContentType;
  isEncrypted: boolean;
  originalIn: 'r2' | 'byos';
}

export interface OriginalsDeps {
  db: Database;
  bucket: R2Bucket;
  settings: BackupSettings;
}

/**
 * The owner's bucket could not give the original: a 502, never a silent fallback to another copy, never cached
 * (`no-store`), with S3's answer in the message so the owner knows what to fix.
 */
export function byosUnavailable(detail: string): AppError {
  return new AppError(
    502,
    'SERVICE_UNAVAILABLE',
    `The original lives in your own storage bucket (bring your own storage), which did not give it: ${detail}`,
    undefined,
    { 'Cache-Control': 'no-store' },
  );
}

const describe = (error: unknown) =>
  error instanceof S3Error ? error.summary : error instanceof Error ? error.message : String(error);

/**
 * Where to read an image's original: R2 itself, or (bring your own storage) a reader that fetches the original
 * from the owner's bucket, with byte ranges, and everything else from R2. Any failure to reach the bucket, or an
 * original missing from it, is `byosUnavailable` (502).
 */
export async function originalsOf(deps: OriginalsDeps, image: OriginalLocation): Promise<ReadBucket> {
  if (image.originalIn !== 'byos') return deps.bucket;
  const config = await findBackupConfig(deps.db, image.ownerId);
  if (!config) throw byosUnavailable('no storage bucket is configured for this account any more');
  const client = await clientFor(deps.settings, config).catch((error: unknown) => {
    throw error instanceof AppError ? error : byosUnavailable(describe(error));
  });
  const key = backupKeysOf(config.prefix, image.ownerId, image.id, extensionOf(image)).original;
  // The stored object carries R2's encryption facts only in R2; an encrypted original's ciphertext is the same.
  const customMetadata: Record<string, string> = image.isEncrypted
    ? { 'pf-encryption': 'pfse1', 'pf-content-type': image.contentType }
    : {};
  const missing = () => byosUnavailable(`the original is not in the bucket (${key})`);
  return {
    async head(wanted) {
      if (wanted !== image.storageKey) return deps.bucket.head(wanted);
      const head = await client.headObject(key).catch((error: unknown) => {
        throw byosUnavailable(describe(error));
      });
      if (!head) throw missing();
      return { size: head.size, httpEtag: `"${head.etag}"`, customMetadata };
    },
    async get(wanted, options) {
      if (wanted !== image.storageKey) return deps.bucket.get(wanted, options);
      const got = await client.getObject(key, options?.range).catch((error: unknown) => {
        throw byosUnavailable(describe(error));
      });
      if (!got) throw missing();
      const body = got.body;
      return {
        size: got.size,
        httpEtag: `"${got.etag}"`,
        customMetadata,
        body,
        arrayBuffer: () => new Response(body).arrayBuffer(),
      };
    },
  };
}
