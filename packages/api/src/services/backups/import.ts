import { BACKUPS, IMAGE_EXTENSIONS, type ImageContentType } from '@pixelflare/config';
import { albums, images, users, type Image } from '@pixelflare/database';
import type { BackupImportInput, BackupImportResult } from '@pixelflare/shared';
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { sendBackupMessages, type BackupsQueueMessage } from '../../jobs/messages';
import { newId } from '../../lib/ids';
import { isUniqueViolation } from '../../lib/sql';
import { clientFor, requireBackupConfig } from './config';
import { restoreOriginal } from './restore';
import { S3Error, type S3Client } from '@pixelflare/s3';
import { describeBackupError, type BackupDeps } from './layout';

/** Keys listed per call: two per image (original and sidecar), so about 50 images, well within a Worker's limits. */
const KEYS_PER_PAGE = 100;

const contentTypes = Object.keys(IMAGE_EXTENSIONS) as [ImageContentType, ...ImageContentType[]];

/** A sidecar as BackupSidecar writes it, checked before anything is inserted (the bucket is not trusted). */
const SidecarSchema = z.object({
  version: z.literal(1),
  image: z.object({
    id: z.string().regex(/^img_[A-Za-z0-9]{1,60}$/),
    owner_id: z.string(),
    short_id: z.string().min(1).max(32),
    album_slug: z.string().min(1).max(128),
    filename: z.string().min(1).max(512),
    content_type: z.enum(contentTypes),
    bytes: z.number().int().nonnegative(),
    width: z.number().int().nonnegative(),
    height: z.number().int().nonnegative(),
    content_hash: z.string().nullable(),
    storage_key: z.string().min(1).max(1024),
    title: z.string().nullable(),
    alt: z.string().nullable(),
    description: z.string().nullable(),
    is_private: z.boolean(),
    is_animated: z.boolean(),
    is_encrypted: z.boolean(),
    wrapped_key: z.string().nullable(),
    nsfw: z.boolean(),
    license: z.string().nullable(),
    created_at: z.iso.datetime(),
  }),
  object: z.object({
    key: z.string(),
    size: z.number().int(),
    sha256: z.string(),
    etag: z.string(),
    source_etag: z.string(),
  }),
  album: z
    .object({
      slug: z.string(),
      title: z.string(),
      description: z.string().nullable(),
      is_private: z.boolean(),
      is_unlisted: z.boolean(),
    })
    .nullable()
    .optional(),
});

type Sidecar = z.infer<typeof SidecarSchema>;

async function readSidecar(client: S3Client, key: string): Promise<Sidecar> {
  const got = await client.getObject(key);
  if (!got) throw new S3Error(404, 'NoSuchKey', `the sidecar ${key} vanished`);
  let json: unknown;
  try {
    json = JSON.parse(await new Response(got.body).text());
  } catch {
    throw new S3Error(200, 'InvalidSidecar', `${key} is not JSON`);
  }
  const parsed = SidecarSchema.safeParse(json);
  if (!parsed.success) {
    throw new S3Error(200, 'InvalidSidecar', `${key}: ${parsed.error.issues[0]?.message ?? 'malformed'}`);
  }
  return parsed.data;
}

/**
 * The album an imported image goes in: the owner's album with that slug, or one recreated from the sidecar as it
 * was. A sidecar from before albums were recorded (no `album` field) names only a slug: that album is recreated
 * private, so an image that was private through its album never becomes public by an import.
 */
async function albumFor(deps: BackupDeps, ownerId: string, sidecar: Sidecar): Promise<string | null> {
  const slug = sidecar.album?.slug ?? sidecar.image.album_slug;
  if (sidecar.album === null || (sidecar.album === undefined && slug === 'default')) return null;
  const [existing] = await deps.db
    .select({ id: albums.id })
    .from(albums)
    .where(and(eq(albums.ownerId, ownerId), eq(albums.slug, slug)))
    .limit(1);
  if (existing) return existing.id;
  const id = newId('alb');
  await deps.db
    .insert(albums)
    .values({
      id,
      ownerId,
      slug,
      title: sidecar.album?.title ?? slug,
      description: sidecar.album?.description ?? null,
      isPrivate: sidecar.album?.is_private ?? true,
      isUnlisted: sidecar.album?.is_unlisted ?? false,
    })
    .onConflictDoNothing();
  const [created] = await deps.db
    .select({ id: albums.id })
    .from(albums)
    .where(and(eq(albums.ownerId, ownerId), eq(albums.slug, slug)))
    .limit(1);
  return created?.id ?? null;
}

type Outcome = 'imported' | 'present';

/**
 * One image from its sidecar: its row inserted as it was (same id, short id, path and storage key, so its URLs
 * are the same), first as `pending` (the CDN serves nothing of it), then its original brought back into R2 and
 * verified by its hash, then `ready`. A call interrupted in between resumes at the original: the row is found
 * pending. An image already here and ready is left alone.
 */
async function importOne(
  deps: BackupDeps,
  client: S3Client,
  prefix: string,
  ownerId: string,
  folderOwnerId: string,
  sidecar: Sidecar,
): Promise<Outcome> {
  const data = sidecar.image;
  const [existing] = await deps.db.select().from(images).where(eq(images.id, data.id)).limit(1);
  if (existing && existing.ownerId !== ownerId) {
    throw new S3Error(200, 'IdInUse', 'this image id is used by another account in this instance');
  }
  if (existing?.status === 'ready') return 'present';
  let row: Image;
  if (existing) row = existing;
  else {
    const albumId = await albumFor(deps, ownerId, sidecar);
    const createdAt = new Date(data.created_at);
    const values = {
      id: data.id,
      shortId: data.short_id,
      ownerId,
      albumId,
      albumSlug: data.album_slug,
      filename: data.filename,
      contentType: data.content_type,
      bytes: data.bytes,
      width: data.width,
      height: data.height,
      contentHash: data.content_hash,
      storageKey: data.storage_key,
      title: data.title,
      alt: data.alt,
      description: data.description,
      isPrivate: data.is_private,
      isAnimated: data.is_animated,
      isEncrypted: data.is_encrypted,
      wrappedKey: data.wrapped_key,
      nsfw: data.nsfw,
      license: data.license,
      status: 'pending' as const,
      createdAt,
      updatedAt: createdAt,
    };
    try {
      // One transaction: the row and the counters that count it, or nothing (a short id or path already used).
      await deps.db.batch([
        deps.db.insert(images).values(values),
        deps.db
          .update(users)
          .set({
            imageCount: sql`${users.imageCount} + 1`,
            storageBytes: sql`${users.storageBytes} + ${data.bytes}`,
          })
          .where(eq(users.id, ownerId)),
        ...(albumId
          ? [
              deps.db
                .update(albums)
                .set({ imageCount: sql`${albums.imageCount} + 1` })
                .where(and(eq(albums.id, albumId), eq(albums.ownerId, ownerId))),
            ]
          : []),
      ]);
    } catch (error) {
      throw new S3Error(
        200,
        'Conflict',
        isUniqueViolation(error)
          ? 'its short id or its album and filename are already used in this instance'
          : error instanceof Error
            ? error.message
            : String(error),
      );
    }
    const [inserted] = await deps.db.select().from(images).where(eq(images.id, data.id)).limit(1);
    if (!inserted) throw new Error('the imported row vanished');
    row = inserted;
  }
  if (!(await deps.bucket.head(row.storageKey))) {
    await restoreOriginal(deps, client, prefix, row, folderOwnerId);
  }
  await deps.db
    .update(images)
    .set({ status: 'ready', backupStatus: 'pending' })
    .where(and(eq(images.id, row.id), eq(images.ownerId, ownerId)));
  return 'imported';
}

/**
 * Rebuilds an owner's library in an instance that lost it (database and R2) from their backup bucket: lists the
 * sidecars under `{prefix}{folder owner}/` one bounded page per call (`more`/`next`: call again with `after`),
 * inserts each image's row as it was and restores its original with hash verification. Idempotent and
 * resumable. The imported images are queued for a backup (under the caller's id), which with bring your own
 * storage on moves them back into the bucket.
 */
export async function importFromBackup(
  deps: BackupDeps & { queue: Queue<BackupsQueueMessage> | undefined },
  ownerId: string,
  input: BackupImportInput,
): Promise<BackupImportResult> {
  const config = await requireBackupConfig(deps.db, ownerId);
  const client = await clientFor(deps.settings, config);
  const folderOwnerId = input.from_owner ?? ownerId;
  const folder = `${config.prefix}${folderOwnerId}/`;
  const page = await client.listPage(folder, { startAfter: input.after, maxKeys: KEYS_PER_PAGE });
  const sidecars = page.keys.filter((key) => key.endsWith(`/${BACKUPS.sidecarName}`));
  const result: BackupImportResult = {
    imported: [],
    present: [],
    failed: [],
    more: page.truncated,
    next: page.truncated ? (page.keys[page.keys.length - 1] ?? null) : null,
  };
  for (const key of sidecars) {
    const id = key.slice(folder.length).split('/')[0] ?? key;
    try {
      const sidecar = await readSidecar(client, key);
      if (sidecar.image.id !== id) {
        throw new S3Error(200, 'InvalidSidecar', `${key} describes ${sidecar.image.id}, not ${id}`);
      }
      const outcome = await importOne(deps, client, config.prefix, ownerId, folderOwnerId, sidecar);
      result[outcome].push(id);
    } catch (error) {
      result.failed.push({ id, reason: describeBackupError(error) });
    }
  }
  if (deps.queue && result.imported.length > 0) {
    await sendBackupMessages(
      deps.queue,
      result.imported.map((imageId) => ({ type: 'backup' as const, ownerId, imageId })),
    ).catch(() => undefined);
  }
  return result;
}
