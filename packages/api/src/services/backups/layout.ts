import { BACKUPS, IMAGE_EXTENSIONS } from '@pixelflare/config';
import type { Database, Image } from '@pixelflare/database';
import type { BackupSettings } from './config';
import { S3Error } from '@pixelflare/s3';

// What every part of backups shares (sync, restore, import, BYOS reads): where things live in the owner's bucket,
// the sidecar's shape and how a failure is worded. A leaf module, so those parts can import it and each other.

export interface BackupDeps {
  db: Database;
  /** R2, where the originals are. */
  bucket: R2Bucket;
  settings: BackupSettings;
}

/** Where an image's backup lives in its owner's bucket: `{prefix}{owner}/{imageId}/`. */
export function backupKeysOf(prefix: string, ownerId: string, imageId: string, extension: string) {
  const folder = `${prefix}${ownerId}/${imageId}/`;
  return {
    folder,
    original: `${folder}${BACKUPS.originalName}.${extension}`,
    sidecar: `${folder}${BACKUPS.sidecarName}`,
  };
}

export const extensionOf = (image: Pick<Image, 'contentType'>) =>
  IMAGE_EXTENSIONS[image.contentType] ?? 'bin';

/**
 * The sidecar written beside each original: the image's row as it was backed up (enough to rebuild the row in an
 * empty instance) and what the stored object is. `object.sha256` is the SHA-256 of the bytes in the bucket, which
 * for an encrypted image is the ciphertext (R2 holds ciphertext, and it is copied as it is, never decrypted).
 */
export interface BackupSidecar {
  version: 1;
  image: {
    id: string;
    owner_id: string;
    short_id: string;
    album_slug: string;
    filename: string;
    content_type: string;
    bytes: number;
    width: number;
    height: number;
    content_hash: string | null;
    storage_key: string;
    title: string | null;
    alt: string | null;
    description: string | null;
    is_private: boolean;
    is_animated: boolean;
    is_encrypted: boolean;
    wrapped_key: string | null;
    nsfw: boolean;
    license: string | null;
    created_at: string;
  };
  object: { key: string; size: number; sha256: string; etag: string; source_etag: string };
  /** The image's album as it was (null: none), so an import into an empty instance recreates it as it was. */
  album?: {
    slug: string;
    title: string;
    description: string | null;
    is_private: boolean;
    is_unlisted: boolean;
  } | null;
}

/** What a failure is recorded as: S3's code and message when it answered, the reason it could not otherwise. */
export function describeBackupError(error: unknown): string {
  if (error instanceof S3Error) return error.summary.slice(0, 500);
  return (error instanceof Error ? error.message : String(error)).slice(0, 500);
}
