import { DATA_EXPORT } from '@pixelflare/config';
import {
  albums,
  dataExports,
  images,
  type DataExport as DataExportRow,
  type DataExportArchive,
  type Database,
  type Image,
} from '@pixelflare/database';
import type { DataExport } from '@pixelflare/shared';
import { and, asc, desc, eq, gt, isNull, lte, or } from 'drizzle-orm';
import { Zip, ZipPassThrough } from 'fflate';
import { hmacSha256, timingSafeEqual, toBase64Url } from '../../lib/crypto';
import { AppError, conflict, notFound } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { toAlbumResources } from '../albums/albums';
import { originalsOf } from '../backups/originals';
import type { BackupSettings } from '../backups/config';
import { decryptedOriginal } from '../encryption/content';
import type { EncryptionDeps } from '../encryption/tenant-keys';
import { outboxInsert } from '../events/outbox';
import { toImageResources, type ImageView } from '../images/resource';
import { listTagsWithCounts } from '../tags/tags';
import { getProfile } from '../users/users';

/** Where an export's download links point and how they are signed. */
export interface ExportLinks {
  apiUrl: string;
  secret: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const encoder = new TextEncoder();

/** The R2 key of an export's archive: under the owner's prefix, so deleting the account deletes it too. */
export const archiveKey = (ownerId: string, exportId: string, part: number) =>
  `${ownerId}/exports/${exportId}/pixelflare-export-${part}.zip`;

const signatureOf = async (secret: string, exportId: string, part: number, expires: number) =>
  toBase64Url(await hmacSha256(secret, `data-export\u0000${exportId}\u0000${part}\u0000${expires}`));

/** The resource the API returns, with a signed download link per archive once it is ready. */
export async function toDataExportResource(row: DataExportRow, links: ExportLinks): Promise<DataExport> {
  const expires = row.expiresAt ? Math.floor(row.expiresAt.getTime() / 1000) : 0;
  const base = links.apiUrl.replace(/\/$/, '');
  const archives = row.status !== 'ready' ? [] : row.archives;
  return {
    id: row.id,
    status: row.status,
    image_count: row.imageCount,
    bytes: row.bytes,
    archives: await Promise.all(
      archives.map(async (archive, index) => {
        const part = index + 1;
        const sig = await signatureOf(links.secret, row.id, part, expires);
        return {
          part,
          bytes: archive.bytes,
          images: archive.images,
          download_url: `${base}/v1/me/export/${row.id}/archives/${part}?expires=${expires}&sig=${sig}`,
        };
      }),
    ),
    error: row.error,
    created_at: row.createdAt.toISOString(),
    completed_at: row.completedAt?.toISOString() ?? null,
    expires_at: row.expiresAt?.toISOString() ?? null,
  };
}

/**
 * Starts an export: one at a time per account (a second while one is queued or building is a 409). The row is
 * written before the job is queued; a queue that refuses removes it again, so nothing is left half-started.
 */
export async function requestExport(
  db: Database,
  ownerId: string,
  queueBuild: (exportId: string) => Promise<void>,
): Promise<DataExportRow> {
  const running = await db
    .select({ id: dataExports.id })
    .from(dataExports)
    .where(
      and(
        eq(dataExports.ownerId, ownerId),
        or(eq(dataExports.status, 'queued'), eq(dataExports.status, 'building')),
      ),
    )
    .get();
  if (running) throw conflict(`Export ${running.id} is still being built; wait for it to finish`);
  const [row] = await db
    .insert(dataExports)
    .values({ id: newId('exp'), ownerId })
    .returning();
  try {
    await queueBuild(row!.id);
  } catch {
    await db.delete(dataExports).where(eq(dataExports.id, row!.id));
    throw new AppError(503, 'SERVICE_UNAVAILABLE', 'The export could not be queued; ask again');
  }
  return row!;
}

export async function listExports(db: Database, ownerId: string): Promise<DataExportRow[]> {
  return db
    .select()
    .from(dataExports)
    .where(eq(dataExports.ownerId, ownerId))
    .orderBy(desc(dataExports.createdAt), desc(dataExports.id))
    .limit(DATA_EXPORT.listed);
}

export async function findExport(db: Database, ownerId: string, id: string): Promise<DataExportRow> {
  const row = await db
    .select()
    .from(dataExports)
    .where(and(eq(dataExports.ownerId, ownerId), eq(dataExports.id, id)))
    .get();
  if (!row) throw notFound('Export');
  return row;
}

/**
 * An archive of a ready export for whoever holds its signed link. A wrong signature, another export's or part's
 * signature and an expired link all answer 404, as for an export that does not exist.
 */
export async function openArchive(
  db: Database,
  bucket: R2Bucket,
  links: ExportLinks,
  input: { id: string; part: number; expires: number; sig: string },
  now = Date.now(),
): Promise<{ body: ReadableStream; size: number }> {
  const expected = await signatureOf(links.secret, input.id, input.part, input.expires);
  if (!timingSafeEqual(expected, input.sig) || input.expires * 1000 <= now) throw notFound('Export');
  const row = await db.select().from(dataExports).where(eq(dataExports.id, input.id)).get();
  const live = row?.status === 'ready' && row.expiresAt !== null && row.expiresAt.getTime() > now;
  const archive = live ? row.archives[input.part - 1] : undefined;
  if (!archive) throw notFound('Export');
  const object = await bucket.get(archive.key);
  if (!object) throw notFound('Export');
  return { body: object.body, size: object.size };
}

/** What building an export reads and writes. */
export interface ExportStore {
  db: Database;
  bucket: R2Bucket;
  encryption: EncryptionDeps;
  /** Reads originals that live in their owner's bucket (bring your own storage); without it, R2 only. */
  backups?: BackupSettings;
  view: ImageView;
  links: ExportLinks;
  /** Smaller in tests, to reach the split into several archives without gigabytes. */
  archiveMaxBytes?: number;
  partBytes?: number;
}

/**
 * Writes one ZIP archive to R2 as a multipart upload while it is produced: only about one part is ever held in
 * memory, whatever the account's size. Entries are stored (images are compressed already).
 */
class ArchiveWriter {
  private readonly zip: Zip;
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private parts: R2UploadedPart[] = [];
  private failure: unknown;
  bytes = 0;
  images = 0;

  private constructor(
    private readonly upload: R2MultipartUpload,
    private readonly partBytes: number,
    readonly key: string,
  ) {
    this.zip = new Zip((error, chunk) => {
      if (error) this.failure = error;
      else this.take(chunk);
    });
  }

  static async open(bucket: R2Bucket, key: string, partBytes: number) {
    const upload = await bucket.createMultipartUpload(key, {
      httpMetadata: { contentType: 'application/zip' },
    });
    return new ArchiveWriter(upload, partBytes, key);
  }

  private take(chunk: Uint8Array) {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.bytes += chunk.length;
  }

  /** Uploads every full part buffered so far (`final`: the rest too, as the last part). */
  private async flush(final: boolean) {
    if (this.failure) throw this.failure;
    while (this.buffered >= this.partBytes || (final && this.buffered > 0)) {
      const size = Math.min(this.partBytes, this.buffered);
      const part = new Uint8Array(size);
      let filled = 0;
      while (filled < size) {
        const head = this.chunks[0]!;
        const take = Math.min(head.length, size - filled);
        part.set(head.subarray(0, take), filled);
        filled += take;
        if (take === head.length) this.chunks.shift();
        else this.chunks[0] = head.subarray(take);
      }
      this.buffered -= size;
      this.parts.push(await this.upload.uploadPart(this.parts.length + 1, part));
    }
  }

  /** Adds one entry from a stream of bytes, uploading parts as they fill. */
  async add(name: string, body: ReadableStream<Uint8Array> | Uint8Array, modified: Date) {
    const entry = new ZipPassThrough(name);
    entry.mtime = modified;
    this.zip.add(entry);
    if (body instanceof Uint8Array) entry.push(body, false);
    else
      for await (const chunk of body) {
        entry.push(chunk, false);
        await this.flush(false);
      }
    entry.push(new Uint8Array(0), true);
    await this.flush(false);
  }

  addJson(name: string, value: unknown, modified: Date) {
    return this.add(name, encoder.encode(`${JSON.stringify(value, null, 2)}\n`), modified);
  }

  async close(): Promise<DataExportArchive> {
    this.zip.end();
    await this.flush(true);
    await this.upload.complete(this.parts);
    return { key: this.key, bytes: this.bytes, images: this.images };
  }

  abort() {
    return this.upload.abort().catch(() => undefined);
  }
}

/** The entry names of an image: its original under its album's folder, and its metadata beside it. */
export const entryNamesOf = (image: Pick<Image, 'albumSlug' | 'filename'>) => {
  const original = `images/${image.albumSlug}/${image.filename}`;
  return { original, metadata: `${original}.json` };
};

/**
 * Ends an export, ready or failed, and announces it in the same batch. Either way it is kept `keepDays` (a failed
 * one too, so the owner sees why), then the cleanup removes it.
 */
async function finishExport(
  store: ExportStore,
  row: DataExportRow,
  event: 'export.ready' | 'export.failed',
  changes: Pick<DataExportRow, 'status' | 'error'> &
    Partial<Pick<DataExportRow, 'archives' | 'imageCount' | 'bytes'>>,
): Promise<DataExportRow> {
  const completedAt = new Date();
  const expiresAt = new Date(completedAt.getTime() + DATA_EXPORT.keepDays * DAY_MS);
  const finished: DataExportRow = { ...row, ...changes, completedAt, expiresAt };
  const { db, view } = store;
  await db.batch([
    db
      .update(dataExports)
      .set({ ...changes, completedAt, expiresAt })
      .where(eq(dataExports.id, row.id)),
    outboxInsert(db, view.ownerId, event, await toDataExportResource(finished, store.links)),
  ]);
  return finished;
}

/**
 * Builds an export: every live image's original (decrypted, for encrypted images) with its metadata as the API
 * returns it beside it, `albums.json`, `tags.json` and `profile.json` in the first archive, `manifest.json` in the
 * last. A new archive starts before an original would take the current one past `archiveMaxBytes`. Re-running it
 * (a retried message) starts again from nothing; a failure marks the export failed, with no archive left behind.
 */
export async function buildExport(
  store: ExportStore,
  exportId: string,
  now = new Date(),
): Promise<{ ok: true } | { ok: false; error: string } | { ok: 'skipped' }> {
  const { db, bucket, view } = store;
  const row = await db
    .select()
    .from(dataExports)
    .where(and(eq(dataExports.id, exportId), eq(dataExports.ownerId, view.ownerId)))
    .get();
  if (!row || row.status === 'ready' || row.status === 'failed') return { ok: 'skipped' };
  await db.update(dataExports).set({ status: 'building' }).where(eq(dataExports.id, exportId));
  await deleteArchives(bucket, view.ownerId, exportId);
  const archiveMaxBytes = store.archiveMaxBytes ?? DATA_EXPORT.archiveMaxBytes;
  const partBytes = store.partBytes ?? DATA_EXPORT.partBytes;
  const done: DataExportArchive[] = [];
  let writer: ArchiveWriter | undefined;
  const openNext = async () => {
    if (writer) done.push(await writer.close());
    writer = await ArchiveWriter.open(bucket, archiveKey(view.ownerId, exportId, done.length + 1), partBytes);
    return writer;
  };
  try {
    let current = await openNext();
    const albumRows = await db.select().from(albums).where(eq(albums.ownerId, view.ownerId));
    const [profile, albumResources, tagCounts] = await Promise.all([
      getProfile(db, view.ownerId),
      toAlbumResources(db, albumRows, { ...view, now: now.getTime() }),
      listTagsWithCounts(db, view.ownerId),
    ]);
    await current.addJson('profile.json', profile, now);
    await current.addJson('albums.json', albumResources, now);
    await current.addJson('tags.json', tagCounts, now);
    let imageCount = 0;
    let imageBytes = 0;
    let after: string | undefined;
    for (;;) {
      const page = await db
        .select()
        .from(images)
        .where(
          and(
            eq(images.ownerId, view.ownerId),
            isNull(images.deletedAt),
            eq(images.status, 'ready'),
            after ? gt(images.id, after) : undefined,
          ),
        )
        .orderBy(asc(images.id))
        .limit(DATA_EXPORT.imagesPerPage);
      if (page.length === 0) break;
      const resources = await toImageResources(db, page, view);
      for (const [index, image] of page.entries()) {
        if (current.images > 0 && current.bytes + image.bytes > archiveMaxBytes) current = await openNext();
        const body = await originalOf(store, image);
        if (!body) throw new Error(`the original of ${image.id} is missing from storage`);
        const names = entryNamesOf(image);
        await current.add(names.original, body, image.createdAt);
        const { previews: _previews, ...metadata } = resources[index]!;
        await current.addJson(names.metadata, metadata, image.updatedAt);
        current.images += 1;
        imageCount += 1;
        imageBytes += image.bytes;
      }
      after = page.at(-1)!.id;
    }
    await current.addJson(
      'manifest.json',
      {
        format: 'pixelflare-export',
        version: 1,
        owner: view.ownerSlug,
        created_at: now.toISOString(),
        images: imageCount,
        image_bytes: imageBytes,
        archives: done.length + 1,
      },
      now,
    );
    done.push(await current.close());
    writer = undefined;
    await finishExport(store, row, 'export.ready', {
      status: 'ready',
      archives: done,
      imageCount,
      bytes: done.reduce((sum, archive) => sum + archive.bytes, 0),
      error: null,
    });
    return { ok: true };
  } catch (error) {
    await writer?.abort();
    await deleteArchives(bucket, view.ownerId, exportId);
    const failed = await finishExport(store, row, 'export.failed', {
      status: 'failed',
      error: `The export failed: ${error instanceof Error ? error.message : String(error)}`,
    });
    return { ok: false, error: failed.error! };
  }
}

async function originalOf(store: ExportStore, image: Image) {
  // R2, or the owner's bucket (bring your own storage; unreachable fails the export with the reason).
  const bucket = store.backups
    ? await originalsOf({ db: store.db, bucket: store.bucket, settings: store.backups }, image)
    : store.bucket;
  if (image.isEncrypted) {
    const object = await decryptedOriginal({ ...store.encryption, bucket }, image);
    return object?.body ?? null;
  }
  return (await bucket.get(image.storageKey))?.body ?? null;
}

async function deleteArchives(bucket: R2Bucket, ownerId: string, exportId: string) {
  const listing = await bucket.list({ prefix: `${ownerId}/exports/${exportId}/` });
  if (listing.objects.length > 0) await bucket.delete(listing.objects.map((object) => object.key));
}

/** The scheduled cleanup: exports past their time lose their archives and rows. Returns how many went. */
export async function deleteExpiredExports(
  db: Database,
  bucket: R2Bucket,
  now = new Date(),
): Promise<number> {
  const expired = await db
    .select({ id: dataExports.id, ownerId: dataExports.ownerId })
    .from(dataExports)
    .where(lte(dataExports.expiresAt, now))
    .limit(100);
  for (const row of expired) {
    await deleteArchives(bucket, row.ownerId, row.id);
    await db.delete(dataExports).where(eq(dataExports.id, row.id));
  }
  return expired.length;
}
