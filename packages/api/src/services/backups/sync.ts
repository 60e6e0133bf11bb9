import { BACKUPS } from '@pixelflare/config';
import { albums, backupConfigs, images, type Database, type Image } from '@pixelflare/database';
import { and, eq, sql } from 'drizzle-orm';
import { toHex } from '../../lib/crypto';
import { clientFor, findBackupConfig, type BackupConfigRow } from './config';
import {
  backupKeysOf,
  describeBackupError,
  extensionOf,
  type BackupDeps,
  type BackupSidecar,
} from './layout';
import { restoreOriginal } from './restore';
import { S3Error, type S3Client } from '@pixelflare/s3';

/** The outcome of one image's backup. */
export type BackupOutcome =
  | { kind: 'skipped'; reason: 'no-config' | 'disabled' | 'no-image' | 'not-ready' }
  | {
      kind: 'done';
      uploaded: { original: boolean; sidecar: boolean };
      multipart: boolean;
      /** Bring your own storage: the original moved into the owner's bucket, or back into R2. */
      moved?: 'to-bucket' | 'to-r2';
    };

function sidecarImage(image: Image): BackupSidecar['image'] {
  return {
    id: image.id,
    owner_id: image.ownerId,
    short_id: image.shortId,
    album_slug: image.albumSlug,
    filename: image.filename,
    content_type: image.contentType,
    bytes: image.bytes,
    width: image.width,
    height: image.height,
    content_hash: image.contentHash,
    storage_key: image.storageKey,
    title: image.title,
    alt: image.alt,
    description: image.description,
    is_private: image.isPrivate,
    is_animated: image.isAnimated,
    is_encrypted: image.isEncrypted,
    wrapped_key: image.wrappedKey,
    nsfw: image.nsfw,
    license: image.license,
    created_at: image.createdAt.toISOString(),
  };
}

async function sidecarAlbum(db: Database, image: Image): Promise<BackupSidecar['album']> {
  if (!image.albumId) return null;
  const [album] = await db
    .select()
    .from(albums)
    .where(and(eq(albums.id, image.albumId), eq(albums.ownerId, image.ownerId)))
    .limit(1);
  if (!album) return null;
  return {
    slug: album.slug,
    title: album.title,
    description: album.description,
    is_private: album.isPrivate,
    is_unlisted: album.isUnlisted,
  };
}

/** Object metadata on the original: immutable facts only, so a rename rewrites the sidecar, never the original. */
function originalMetadata(image: Image, sourceEtag: string): Record<string, string> {
  return {
    'image-id': image.id,
    owner: image.ownerId,
    'content-type': image.contentType,
    'source-etag': sourceEtag,
    encrypted: String(image.isEncrypted),
    ...(image.contentHash ? { 'content-hash': image.contentHash } : {}),
  };
}

/**
 * Copies one original from R2 to the bucket. Up to the multipart threshold it is read whole (at most that many
 * bytes) to send Content-MD5; above, it is a multipart upload read from R2 one ranged part at a time, so memory
 * holds one part whatever the size. Each part carries its Content-MD5, and the SHA-256 of everything sent is
 * computed on the way (DigestStream) for the sidecar.
 */
async function copyOriginal(
  client: S3Client,
  bucket: R2Bucket,
  image: Image,
  source: R2Object,
  key: string,
): Promise<{ etag: string; sha256: string; multipart: boolean }> {
  const metadata = originalMetadata(image, source.etag);
  if (source.size <= BACKUPS.multipartThresholdBytes) {
    const object = await bucket.get(image.storageKey);
    if (!object)
      throw new S3Error(null, 'SourceMissing', `the original ${image.storageKey} is not in storage`);
    const bytes = new Uint8Array(await object.arrayBuffer());
    const { etag } = await client.putObject(key, bytes, { contentType: image.contentType, metadata });
    return { etag, sha256: toHex(await crypto.subtle.digest('SHA-256', bytes)), multipart: false };
  }
  const uploadId = await client.createMultipartUpload(key, { contentType: image.contentType, metadata });
  const digest = new crypto.DigestStream('SHA-256');
  const hashing = digest.getWriter();
  try {
    const etags: string[] = [];
    for (let offset = 0, part = 1; offset < source.size; offset += BACKUPS.partSizeBytes, part++) {
      const length = Math.min(BACKUPS.partSizeBytes, source.size - offset);
      const slice = await bucket.get(image.storageKey, { range: { offset, length } });
      if (!slice)
        throw new S3Error(null, 'SourceMissing', `the original ${image.storageKey} is not in storage`);
      const bytes = new Uint8Array(await slice.arrayBuffer());
      if (bytes.length !== length) {
        throw new S3Error(
          null,
          'SourceChanged',
          `read ${bytes.length} bytes of part ${part}, expected ${length}`,
        );
      }
      await hashing.write(bytes);
      etags.push(await client.uploadPart(key, uploadId, part, bytes));
    }
    const etag = await client.completeMultipartUpload(key, uploadId, etags);
    await hashing.close();
    return { etag, sha256: toHex(await digest.digest), multipart: true };
  } catch (error) {
    // An abandoned multipart upload keeps its parts (and their cost) in the bucket until aborted.
    await client.abortMultipartUpload(key, uploadId).catch(() => undefined);
    await hashing.abort().catch(() => undefined);
    throw error;
  }
}

/** SHA-256 of an R2 object, streamed (never held whole). */
export async function sha256OfObject(bucket: R2Bucket, key: string): Promise<string> {
  const object = await bucket.get(key);
  if (!object) throw new S3Error(null, 'SourceMissing', `the original ${key} is not in storage`);
  const digest = new crypto.DigestStream('SHA-256');
  await object.body.pipeTo(digest);
  return toHex(await digest.digest);
}

async function readSidecar(client: S3Client, key: string): Promise<BackupSidecar | null> {
  const got = await client.getObject(key);
  if (!got) return null;
  try {
    return JSON.parse(await new Response(got.body).text()) as BackupSidecar;
  } catch {
    return null;
  }
}

/**
 * Backs up one image: the original (unless the bucket already holds these bytes: same size and the same R2 ETag
 * recorded on it, so a redelivered message uploads nothing) and its sidecar (unless unchanged). Records `done`
 * and the time on the row; a failure records `failed`, S3's error and the attempt, then rethrows so the queue
 * retries.
 */
export async function backupImage(
  deps: BackupDeps,
  ownerId: string,
  imageId: string,
): Promise<BackupOutcome> {
  const { db } = deps;
  const config = await findBackupConfig(db, ownerId);
  if (!config) return { kind: 'skipped', reason: 'no-config' };
  if (!config.isEnabled) return { kind: 'skipped', reason: 'disabled' };
  const [image] = await db
    .select()
    .from(images)
    .where(and(eq(images.id, imageId), eq(images.ownerId, ownerId)))
    .limit(1);
  if (!image) return { kind: 'skipped', reason: 'no-image' };
  if (image.status !== 'ready') return { kind: 'skipped', reason: 'not-ready' };
  try {
    if (image.originalIn === 'byos') {
      if (config.byos) {
        const outcome = await refreshInBucket(deps, config, image);
        await recordSuccess(db, config, image, outcome.etag);
        return { kind: 'done', uploaded: outcome.uploaded, multipart: false };
      }
      // Bring your own storage was turned off: the original comes back into R2 (verified) before anything else.
      await bringBackToR2(deps, config, image);
      const outcome = await copyImage(deps, config, { ...image, originalIn: 'r2' });
      await recordSuccess(db, config, image, outcome.etag);
      return { kind: 'done', uploaded: outcome.uploaded, multipart: outcome.multipart, moved: 'to-r2' };
    }
    const outcome = await copyImage(deps, config, image);
    const moved = config.byos ? await moveToBucket(deps, config, image, outcome.object) : false;
    await recordSuccess(db, config, image, outcome.etag);
    return {
      kind: 'done',
      uploaded: outcome.uploaded,
      multipart: outcome.multipart,
      ...(moved ? { moved: 'to-bucket' as const } : {}),
    };
  } catch (error) {
    await recordFailure(db, config, image, error);
    throw error;
  }
}

async function copyImage(deps: BackupDeps, config: BackupConfigRow, image: Image) {
  const client = await clientFor(deps.settings, config);
  const keys = backupKeysOf(config.prefix, image.ownerId, image.id, extensionOf(image));
  const source = await deps.bucket.head(image.storageKey);
  if (!source) throw new S3Error(null, 'SourceMissing', `the original ${image.storageKey} is not in storage`);
  // The sidecar first: a GET's error has a body naming S3's code (a HEAD's has none).
  const previous = await readSidecar(client, keys.sidecar);
  const remote = await client.headObject(keys.original);
  // The bucket already holds these bytes when its object has R2's size and ETag recorded on it.
  const unchanged =
    remote !== null &&
    remote.size === source.size &&
    decodeURIComponent(remote.metadata['source-etag'] ?? '') === source.etag;
  let object: BackupSidecar['object'];
  let multipart = false;
  if (unchanged && previous?.object.etag === remote.etag) {
    object = previous.object;
  } else if (unchanged) {
    // The sidecar was lost (or never written): hash R2's bytes again, uploading nothing.
    object = {
      key: keys.original,
      size: source.size,
      sha256: await sha256OfObject(deps.bucket, image.storageKey),
      etag: remote.etag,
      source_etag: source.etag,
    };
  } else {
    const copied = await copyOriginal(client, deps.bucket, image, source, keys.original);
    multipart = copied.multipart;
    object = {
      key: keys.original,
      size: source.size,
      sha256: copied.sha256,
      etag: copied.etag,
      source_etag: source.etag,
    };
  }
  const sidecarChanged = await writeSidecar(deps.db, client, keys.sidecar, image, object, previous);
  return {
    etag: object.etag,
    object,
    uploaded: { original: !unchanged, sidecar: sidecarChanged },
    multipart,
  };
}

/** Writes the sidecar when the row changed since it was written (a rename or a move), with `object` as it was. */
async function writeSidecar(
  db: Database,
  client: S3Client,
  key: string,
  image: Image,
  object: BackupSidecar['object'],
  previous: BackupSidecar | null,
): Promise<boolean> {
  const sidecar: BackupSidecar = {
    version: 1,
    image: sidecarImage(image),
    object,
    album: await sidecarAlbum(db, image),
  };
  const body = JSON.stringify(sidecar, null, 2);
  if (previous !== null && JSON.stringify(previous, null, 2) === body) return false;
  await client.putObject(key, new TextEncoder().encode(body), {
    contentType: 'application/json',
    metadata: { 'image-id': image.id, owner: image.ownerId },
  });
  return true;
}

/** SHA-256 and size of an object in the bucket, streamed (never held whole); null when it is not there. */
async function bucketDigest(client: S3Client, key: string): Promise<{ sha256: string; size: number } | null> {
  const got = await client.getObject(key);
  if (!got) return null;
  const digest = new crypto.DigestStream('SHA-256');
  let size = 0;
  await got.body
    .pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          size += chunk.byteLength;
          controller.enqueue(chunk);
        },
      }),
    )
    .pipeTo(digest);
  return { sha256: toHex(await digest.digest), size };
}

/**
 * Bring your own storage: after a backup, the original moves into the owner's bucket. The bucket's copy is read
 * back and its SHA-256 compared with what R2 held first; only then is the row marked `byos` and R2's copy deleted
 * (in that order: a crash between the two leaves a copy in R2 that the next run deletes, never a row pointing at
 * nothing). A mismatch is a failure, and R2 keeps the original.
 */
async function moveToBucket(
  deps: BackupDeps,
  config: BackupConfigRow,
  image: Image,
  object: BackupSidecar['object'],
): Promise<boolean> {
  const client = await clientFor(deps.settings, config);
  const stored = await bucketDigest(client, object.key);
  if (!stored) throw new S3Error(404, 'NoSuchKey', `the copy in the bucket vanished (${object.key})`);
  if (stored.sha256 !== object.sha256 || stored.size !== object.size) {
    throw new S3Error(
      200,
      'HashMismatch',
      `the bucket's copy has SHA-256 ${stored.sha256} (${stored.size} bytes), R2's ${object.sha256} (${object.size} bytes); the original stays in R2`,
    );
  }
  const marked = await deps.db
    .update(images)
    .set({ originalIn: 'byos' })
    .where(and(eq(images.id, image.id), eq(images.ownerId, image.ownerId), eq(images.originalIn, 'r2')))
    .returning({ id: images.id });
  if (marked.length === 0) return false;
  await deps.bucket.delete(image.storageKey);
  return true;
}

/**
 * An original that already lives in the owner's bucket: the sidecar is rewritten when the row changed, and a copy
 * left in R2 by an interrupted move is deleted once the bucket is seen to hold the original.
 */
async function refreshInBucket(deps: BackupDeps, config: BackupConfigRow, image: Image) {
  const client = await clientFor(deps.settings, config);
  const keys = backupKeysOf(config.prefix, image.ownerId, image.id, extensionOf(image));
  const previous = await readSidecar(client, keys.sidecar);
  const remote = await client.headObject(keys.original);
  if (!remote) throw new S3Error(404, 'NoSuchKey', `the original is not in the bucket (${keys.original})`);
  const object = previous?.object ?? {
    key: keys.original,
    size: remote.size,
    sha256: (await bucketDigest(client, keys.original))?.sha256 ?? '',
    etag: remote.etag,
    source_etag: decodeURIComponent(remote.metadata['source-etag'] ?? ''),
  };
  const sidecar = await writeSidecar(deps.db, client, keys.sidecar, image, object, previous);
  if (remote.size === object.size && (await deps.bucket.head(image.storageKey))) {
    await deps.bucket.delete(image.storageKey);
  }
  return { etag: remote.etag, uploaded: { original: false, sidecar } };
}

/**
 * Bring your own storage turned off: the original comes back from the bucket into R2, verified by its hash
 * (restoreOriginal), and the row says `r2` again. The bucket keeps its copy, which is the backup from then on.
 */
async function bringBackToR2(deps: BackupDeps, config: BackupConfigRow, image: Image): Promise<void> {
  const client = await clientFor(deps.settings, config);
  if (!(await deps.bucket.head(image.storageKey))) {
    await restoreOriginal(deps, client, config.prefix, image);
  }
  await deps.db
    .update(images)
    .set({ originalIn: 'r2' })
    .where(and(eq(images.id, image.id), eq(images.ownerId, image.ownerId), eq(images.originalIn, 'byos')));
}

async function recordSuccess(db: Database, config: BackupConfigRow, image: Image, etag: string) {
  const now = new Date();
  await db.batch([
    db
      .update(images)
      .set({ backupStatus: 'done', backupError: null, backupAt: now, backupAttempts: 0, backupEtag: etag })
      .where(and(eq(images.id, image.id), eq(images.ownerId, image.ownerId))),
    db
      .update(backupConfigs)
      .set({ lastSyncAt: now, syncedCount: sql`${backupConfigs.syncedCount} + 1` })
      .where(eq(backupConfigs.ownerId, config.ownerId)),
  ]);
}

async function recordFailure(db: Database, config: BackupConfigRow, image: Image, error: unknown) {
  const now = new Date();
  const reason = describeBackupError(error);
  await db.batch([
    db
      .update(images)
      .set({
        backupStatus: 'failed',
        backupError: reason,
        backupAt: now,
        backupAttempts: sql`${images.backupAttempts} + 1`,
      })
      .where(and(eq(images.id, image.id), eq(images.ownerId, image.ownerId))),
    db
      .update(backupConfigs)
      .set({ lastError: reason, lastErrorAt: now, failedCount: sql`${backupConfigs.failedCount} + 1` })
      .where(eq(backupConfigs.ownerId, config.ownerId)),
  ]);
}

/** A purged image's backup: deleted when the owner's policy is `delete`, kept otherwise (the default). */
export async function deleteImageBackup(
  deps: BackupDeps,
  ownerId: string,
  imageId: string,
  extension: string,
): Promise<'deleted' | 'kept' | 'no-config'> {
  const config = await findBackupConfig(deps.db, ownerId);
  if (!config || !config.isEnabled) return 'no-config';
  if (config.onPurge !== 'delete') return 'kept';
  const client = await clientFor(deps.settings, config);
  const keys = backupKeysOf(config.prefix, ownerId, imageId, extension);
  // S3 answers 204 to deleting a key that is not there, so a redelivery is harmless.
  await client.deleteObject(keys.original);
  await client.deleteObject(keys.sidecar);
  return 'deleted';
}
