import {
  INGEST_MEMORY_LIMIT_BYTES,
  MB,
  STAGING_RETENTION_SECONDS,
  TWO_STEP_STAGING_PREFIX,
  UPLOAD_LIMITS,
} from '@pixelflare/config';
import { imageTags, images, tags, uploadTokens, type Database } from '@pixelflare/database';
import type { UploadMetadata } from '@pixelflare/shared';
import { and, eq, gt, isNull } from 'drizzle-orm';
import { AppError, badRequest } from '../../lib/errors';
import { sha256Hex, toBase64Url } from '../../lib/crypto';
import { newId } from '../../lib/ids';
import { deleteUnderPrefix } from '../../lib/r2';
import { albumBySlug } from '../albums/lookup';
import { asStorageError, ingestImage, type IngestDeps, type IngestResult } from '../ingest/ingest';
import { ingestStoredUpload } from '../ingest/stored';
import { setImageTagsStatements } from '../tags/tags';
import { wantsEncryption } from '../encryption/ingest';

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
  if (metadata.album) await albumBySlug(db, ownerId, metadata.album);
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
      // Decided now (the account default included); ingest encrypts the bytes when they arrive.
      isEncrypted: await wantsEncryption({ db }, ownerId, metadata.encrypt),
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
      encrypt: pending.isEncrypted,
    },
  };
}

/** Removes a pending upload whose bytes were refused, so nothing is left behind. */
export async function discardPendingUpload(db: Database, imageId: string): Promise<void> {
  await db.delete(images).where(and(eq(images.id, imageId), eq(images.status, 'pending')));
}

/** Where a large two-step body is staged: never the image's final key, so ingest always writes the original. */
export const twoStepStagingKey = (imageId: string) => `${TWO_STEP_STAGING_PREFIX}${imageId}`;

/** The declared body length: `null` when there is no `Content-Length`; 400 when it is not a byte count. */
export function parseContentLength(header: string | undefined): number | null {
  if (header === undefined) return null;
  if (!/^\d{1,16}$/.test(header.trim())) throw badRequest('Content-Length must be a number of bytes');
  return Number(header.trim());
}

/** A two-step body above the two-step limit, refused from its declared length before anything is read. */
export const twoStepTooLarge = () =>
  new AppError(
    413,
    'PAYLOAD_TOO_LARGE',
    `A two-step upload carries at most ${UPLOAD_LIMITS.maxTwoStepBytes / MB} MB; use the resumable (tus) endpoint /v1/uploads/tus for larger files`,
  );

const lengthMismatch = (declared: number) =>
  badRequest(
    `The body does not match its Content-Length of ${declared} bytes (it was shorter or longer, or the connection broke)`,
  );

const lengthRequired = () =>
  new AppError(
    411,
    'BAD_REQUEST',
    `A body larger than ${INGEST_MEMORY_LIMIT_BYTES / MB} MB must declare its Content-Length (it is then streamed to storage instead of held in memory)`,
  );

/**
 * Reads a body of at most `INGEST_MEMORY_LIMIT_BYTES` into memory: exactly `declared` bytes when a length was
 * declared (any other length is 400), else up to the limit (a longer body without a length is 411).
 */
async function readSmallBody(
  body: ReadableStream<Uint8Array> | null,
  declared: number | null,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (body) {
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > (declared ?? INGEST_MEMORY_LIMIT_BYTES)) {
        await reader.cancel();
        throw declared === null ? lengthRequired() : lengthMismatch(declared);
      }
      chunks.push(value);
    }
  }
  if (declared !== null && total !== declared) throw lengthMismatch(declared);
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

/** The runtime's refusal of a stream shorter or longer than its `FixedLengthStream` length. */
const isLengthError = (error: unknown) =>
  error instanceof TypeError && /FixedLengthStream/.test(error.message);

/**
 * Streams a body of exactly `declared` bytes to `key` without holding it: the runtime pipes it into a
 * `FixedLengthStream`, which errors on a body shorter or longer than declared (the error surfaces in the
 * put, which then stores nothing), answered 400. Any other R2 failure is rethrown as is.
 */
async function stageLargeBody(
  bucket: R2Bucket,
  key: string,
  body: ReadableStream<Uint8Array> | null,
  declared: number,
): Promise<void> {
  if (!body) throw lengthMismatch(declared);
  const { readable, writable } = new FixedLengthStream(declared);
  // Whichever side fails first breaks the other: a client breaking off fails the pipe first, R2 failing
  // fails the put first (it then stops reading, which breaks the pipe).
  let firstFailure: 'put' | 'pipe' | undefined;
  const failed = (side: 'put' | 'pipe') => (error: unknown) => {
    firstFailure ??= side;
    throw error;
  };
  const [stored, piped] = await Promise.allSettled([
    bucket.put(key, readable).catch(failed('put')),
    body.pipeTo(writable).catch(failed('pipe')),
  ]);
  if (firstFailure === 'put' && stored.status === 'rejected' && !isLengthError(stored.reason)) {
    throw asStorageError(stored.reason);
  }
  if (piped.status === 'rejected') throw lengthMismatch(declared);
  if (stored.status === 'rejected') {
    throw isLengthError(stored.reason) ? lengthMismatch(declared) : asStorageError(stored.reason);
  }
  if (stored.value?.size !== declared) throw lengthMismatch(declared);
}

export interface TwoStepBodyInput {
  /** The pending image, whose token the caller has just spent (`consumeUploadToken`). */
  imageId: string;
  ownerId: string;
  metadata: UploadMetadata;
  body: ReadableStream<Uint8Array> | null;
  /** The request's `Content-Length` (`parseContentLength`). */
  declaredLength: number | null;
}

/**
 * Ingests a two-step body into its pending row. Up to `INGEST_MEMORY_LIMIT_BYTES` the body is read whole
 * (the in-memory path, as for a one-shot upload). A larger one must declare its length; it is streamed to a
 * staging key in R2 and ingested from there with bounded memory (`ingestStoredUpload`), and the staged
 * object is deleted whatever the outcome. When the bytes are refused, or anything fails, the pending row is
 * removed: the URL's token is already spent, so the client starts again with `POST /v1/images`.
 */
export async function ingestTwoStepBody(deps: IngestDeps, input: TwoStepBodyInput): Promise<IngestResult> {
  const { imageId, ownerId, metadata, declaredLength } = input;
  const options = { ownerId, metadata, way: 'two-step' as const, pendingImageId: imageId };
  try {
    if (declaredLength !== null && declaredLength > deps.limits.maxBytes['two-step']) throw twoStepTooLarge();
    if (declaredLength === null || declaredLength <= INGEST_MEMORY_LIMIT_BYTES) {
      const bytes = await readSmallBody(input.body, declaredLength);
      return await ingestImage(deps, { ...options, bytes });
    }
    const key = twoStepStagingKey(imageId);
    try {
      await stageLargeBody(deps.bucket, key, input.body, declaredLength);
      return await ingestStoredUpload(deps, { ...options, key });
    } finally {
      await deps.bucket.delete(key);
    }
  } catch (error) {
    await discardPendingUpload(deps.db, imageId);
    throw error;
  }
}

/**
 * Deletes staged two-step bodies older than `STAGING_RETENTION_SECONDS`: a PUT always deletes its own, so
 * these are left by a Worker stopped mid-ingest. Returns how many were deleted; safe to run again.
 */
export async function purgeStaleStaging(bucket: R2Bucket, now: Date): Promise<number> {
  const cutoff = now.getTime() - STAGING_RETENTION_SECONDS * 1000;
  return deleteUnderPrefix(bucket, TWO_STEP_STAGING_PREFIX, (object) => object.uploaded.getTime() >= cutoff);
}
