import { BACKUPS } from '@pixelflare/config';
import { images, type Image } from '@pixelflare/database';
import type { BackupRestoreInput, BackupRestoreResult } from '@pixelflare/shared';
import { and, asc, eq, gt, isNull } from 'drizzle-orm';
import { toHex } from '../../lib/crypto';
import { inList } from '../../lib/sql';
import { clientFor, requireBackupConfig } from './config';
import { S3Error, type S3Client } from '@pixelflare/s3';
import {
  backupKeysOf,
  describeBackupError,
  extensionOf,
  type BackupDeps,
  type BackupSidecar,
} from './layout';

/**
 * The hash the restored bytes must have: the row's content hash for a clear image (the SHA-256 of its original),
 * or, for an encrypted one (whose row holds a keyed hash of the clear bytes), the ciphertext's SHA-256 recorded in
 * its sidecar when it was backed up.
 */
async function expectedHash(client: S3Client, image: Image, sidecarKey: string): Promise<string> {
  if (!image.isEncrypted && image.contentHash) return image.contentHash;
  const got = await client.getObject(sidecarKey);
  if (!got)
    throw new S3Error(404, 'NoSuchKey', 'the backup has no sidecar to verify the encrypted original with');
  const sidecar = JSON.parse(await new Response(got.body).text()) as BackupSidecar;
  return sidecar.object.sha256;
}

/**
 * Brings one original back from the bucket into R2, streamed (never held whole) and hashed on the way. The bytes
 * are written to a staging key first and copied into place only when the hash matches, so a corrupt or tampered
 * backup never becomes the image's original.
 */
export async function restoreOriginal(
  deps: BackupDeps,
  client: S3Client,
  prefix: string,
  image: Image,
  /** The account folder the backup is in: the image's owner, or the old owner id of an imported backup. */
  folderOwnerId: string = image.ownerId,
): Promise<void> {
  const keys = backupKeysOf(prefix, folderOwnerId, image.id, extensionOf(image));
  const expected = await expectedHash(client, image, keys.sidecar);
  const got = await client.getObject(keys.original);
  if (!got) throw new S3Error(404, 'NoSuchKey', `no backup of this image in the bucket (${keys.original})`);
  const staging = `staging/restore/${image.ownerId}/${image.id}-${crypto.randomUUID()}`;
  const digest = new crypto.DigestStream('SHA-256');
  const [toR2, toHash] = got.body.tee();
  const fixed = new FixedLengthStream(got.size);
  try {
    await Promise.all([
      deps.bucket.put(staging, fixed.readable, { httpMetadata: { contentType: image.contentType } }),
      toR2.pipeTo(fixed.writable),
      toHash.pipeTo(digest),
    ]);
    const actual = toHex(await digest.digest);
    if (actual !== expected) {
      throw new S3Error(200, 'HashMismatch', `the backup's SHA-256 is ${actual}, the image's is ${expected}`);
    }
    // R2 has no server-side copy in the binding: read the verified staging object back into place (streamed).
    const verified = await deps.bucket.get(staging);
    if (!verified) throw new Error('the verified copy vanished from staging');
    await deps.bucket.put(image.storageKey, verified.body, {
      httpMetadata: { contentType: image.contentType },
    });
  } finally {
    await deps.bucket.delete(staging).catch(() => undefined);
  }
}

/**
 * Restores originals missing from R2 (after a bucket loss, say) from the owner's backups: the listed images, or
 * every image page by page (`all`, up to restorePerRequest per call; `more` says to call again). An original
 * still in R2 is left alone (`present`).
 */
export async function restoreFromBackup(
  deps: BackupDeps,
  ownerId: string,
  input: BackupRestoreInput,
): Promise<BackupRestoreResult> {
  const config = await requireBackupConfig(deps.db, ownerId);
  const client = await clientFor(deps.settings, config);
  const limit = BACKUPS.restorePerRequest;
  const live = and(eq(images.ownerId, ownerId), eq(images.status, 'ready'), isNull(images.deletedAt));
  const rows =
    'image_ids' in input
      ? await deps.db
          .select()
          .from(images)
          .where(and(live, inList(images.id, input.image_ids)))
      : await deps.db
          .select()
          .from(images)
          .where(and(live, gt(images.id, input.after ?? '')))
          .orderBy(asc(images.id))
          .limit(limit + 1);
  const more = 'all' in input && rows.length > limit;
  const page = rows.slice(0, limit);
  const next = more ? (page[page.length - 1]?.id ?? null) : null;
  const result: BackupRestoreResult = { restored: [], present: [], failed: [], not_found: [], more, next };
  if ('image_ids' in input) {
    const found = new Set(page.map((row) => row.id));
    result.not_found = input.image_ids.filter((id) => !found.has(id));
  }
  for (const image of page) {
    // Bring your own storage: the original lives in the owner's bucket, not in R2, by design.
    if (image.originalIn === 'byos' || (await deps.bucket.head(image.storageKey))) {
      result.present.push(image.id);
      continue;
    }
    try {
      await restoreOriginal(deps, client, config.prefix, image);
      result.restored.push(image.id);
    } catch (error) {
      result.failed.push({ id: image.id, reason: describeBackupError(error) });
    }
  }
  return result;
}
