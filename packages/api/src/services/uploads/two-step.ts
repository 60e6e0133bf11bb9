import { UPLOAD_LIMITS } from '@pixelflare/config';
import { albums, imageTags, images, tags, uploadTokens, type Database } from '@pixelflare/database';
import type { UploadMetadata } from '@pixelflare/shared';
import { and, eq, gt, isNull } from 'drizzle-orm';
import { AppError, notFound } from '../../lib/errors';
import { sha256Hex, toBase64Url } from '../../lib/crypto';
import { newId } from '../../lib/ids';
import { setImageTagsStatements } from '../tags/tags';

/** Separates the pending row's id from the requested name in its placeholder filename (unique per owner). */
const PENDING_SEPARATOR = '~';

export interface PendingUpload {
  id: string;
  token: string;
  expiresAt: Date;
}

/**
 * Step one of a two-step upload: a pending image row holding the metadata (hidden from every listing) and a
 * single-use token, stored only as its SHA-256, valid for 15 minutes.
 */
export async function createPendingUpload(
  db: Database,
  ownerId: string,
  metadata: UploadMetadata,
  now = new Date(),
): Promise<PendingUpload> {
  if (metadata.album) {
    const [album] = await db
      .select({ id: albums.id })
      .from(albums)
      .where(and(eq(albums.ownerId, ownerId), eq(albums.slug, metadata.album), isNull(albums.deletedAt)))
      .limit(1);
    if (!album) throw notFound(`Album "${metadata.album}"`);
  }
  const id = newId('img');
  const token = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  const expiresAt = new Date(now.getTime() + UPLOAD_LIMITS.uploadUrlTtlSeconds * 1000);
  await db.batch([
    db.insert(images).values({
      id,
      // Placeholder until the bytes arrive; ingest assigns the real short id.
      shortId: `pending-${id}`,
      ownerId,
      albumSlug: metadata.album ?? 'default',
      filename: `${id}${PENDING_SEPARATOR}${metadata.filename ?? ''}`,
      contentType: 'image/png',
      storageKey: '',
      title: metadata.title ?? null,
      alt: metadata.alt ?? null,
      description: metadata.description ?? null,
      isPrivate: metadata.is_private ?? false,
      status: 'pending',
    }),
    ...setImageTagsStatements(db, ownerId, id, metadata.tags ?? []),
    db.insert(uploadTokens).values({ tokenHash: await sha256Hex(token), imageId: id, ownerId, expiresAt }),
  ]);
  return { id, token, expiresAt };
}

/**
 * Step two: spends the token (atomically, so a second PUT with it fails) and returns the pending upload's
 * owner and metadata for ingest. Unknown, used and expired tokens are all 403.
 */
export async function consumeUploadToken(
  db: Database,
  imageId: string,
  token: string,
  now = new Date(),
): Promise<{ ownerId: string; metadata: UploadMetadata }> {
  const [spent] = await db
    .update(uploadTokens)
    .set({ usedAt: now })
    .where(
      and(
        eq(uploadTokens.tokenHash, await sha256Hex(token)),
        eq(uploadTokens.imageId, imageId),
        isNull(uploadTokens.usedAt),
        gt(uploadTokens.expiresAt, now),
      ),
    )
    .returning({ ownerId: uploadTokens.ownerId });
  if (!spent) throw new AppError(403, 'FORBIDDEN', 'This upload URL is invalid, expired or already used');
  const [pending] = await db
    .select()
    .from(images)
    .where(and(eq(images.id, imageId), eq(images.status, 'pending')))
    .limit(1);
  if (!pending) throw new AppError(403, 'FORBIDDEN', 'This upload URL is invalid, expired or already used');
  const tagRows = await db
    .select({ name: tags.name })
    .from(imageTags)
    .innerJoin(tags, eq(tags.id, imageTags.tagId))
    .where(eq(imageTags.imageId, imageId));
  const requestedName = pending.filename.slice(pending.filename.indexOf(PENDING_SEPARATOR) + 1);
  return {
    ownerId: spent.ownerId,
    metadata: {
      filename: requestedName || undefined,
      album: pending.albumSlug === 'default' ? undefined : pending.albumSlug,
      tags: tagRows.map((row) => row.name),
      title: pending.title,
      alt: pending.alt,
      description: pending.description,
      is_private: pending.isPrivate,
    },
  };
}

/** Removes a pending upload whose bytes were refused, so nothing is left behind. */
export async function discardPendingUpload(db: Database, imageId: string): Promise<void> {
  await db.delete(images).where(and(eq(images.id, imageId), eq(images.status, 'pending')));
}
