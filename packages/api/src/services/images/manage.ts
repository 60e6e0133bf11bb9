import { PAGINATION, TRASH_RETENTION_DAYS, UPLOAD_LIMITS } from '@pixelflare/config';
import {
  albums,
  favourites,
  imageAi,
  imageTags,
  images,
  tags,
  users,
  type Database,
  type Image,
} from '@pixelflare/database';
import {
  pageOf,
  type BulkImageAction,
  type ImageListQuery,
  type ImageUpdate,
  type Page,
} from '@pixelflare/shared';
import {
  and,
  asc,
  desc,
  eq,
  exists,
  getTableColumns,
  gte,
  isNotNull,
  isNull,
  lt,
  lte,
  or,
  sql,
  type SQL,
} from 'drizzle-orm';
import { AppError } from '../../lib/errors';
import { deleteUnderPrefix, folderOf } from '../../lib/r2';
import { jsonEach, jsonValue } from '../../lib/sql';
import { decodeCursor, encodeCursor, invalidCursor } from '../../lib/cursor';
import { albumBySlug } from '../albums/lookup';
import type { BackupsQueueMessage, VariantsQueueMessage } from '../../jobs/messages';
import { queueEmbeddings } from '../analysis/enqueue';
import { queueBackup } from '../backups/enqueue';
import { outboxInsert, outboxInsertWhen } from '../events/outbox';
import { sanitizeFilename } from '../ingest/filename';
import { addImageTagsStatements, setImageTagsStatements } from '../tags/tags';
import { purgeImageFromCdnCache } from '../variants/cdn-cache';
import type { SigningDeps } from '../variants/signed-url';
import type { VectorIndex } from '../vectors/index';
import {
  imageResourceAfter,
  ownerImageView,
  tagListOf,
  toOneImageResource,
  type ImageView,
} from './resource';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** FTS5 query from user text: each word quoted (no operators injected) and prefix-matched. */
export function ftsQuery(text: string): string | null {
  const words = text.match(/[\p{L}\p{N}_]+/gu) ?? [];
  return words.length ? words.map((word) => `"${word}"*`).join(' ') : null;
}

const SORTS = {
  newest: { column: images.createdAt, direction: 'desc' },
  oldest: { column: images.createdAt, direction: 'asc' },
  name: { column: images.filename, direction: 'asc' },
  size: { column: images.bytes, direction: 'desc' },
} as const;

function sortValue(image: Image, sort: keyof typeof SORTS): number | string {
  if (sort === 'name') return image.filename;
  if (sort === 'size') return image.bytes;
  return image.createdAt.getTime();
}

/**
 * The filters the listing and search share (album, type, dates, tag, colour), as conditions on `images`. The
 * caller scopes by owner.
 */
export function imageFilterConditions(
  db: Database,
  query: Pick<ImageListQuery, 'album' | 'content_type' | 'from' | 'to' | 'tag' | 'color'>,
): (SQL | undefined)[] {
  const conditions: (SQL | undefined)[] = [];
  if (query.album) conditions.push(eq(images.albumSlug, query.album), isNotNull(images.albumId));
  if (query.content_type) conditions.push(eq(images.contentType, query.content_type));
  if (query.from) conditions.push(gte(images.createdAt, new Date(query.from)));
  if (query.to) conditions.push(lt(images.createdAt, new Date(query.to)));
  if (query.tag) {
    conditions.push(
      exists(
        db
          .select({ one: sql`1` })
          .from(imageTags)
          .innerJoin(tags, eq(tags.id, imageTags.tagId))
          .where(and(eq(imageTags.imageId, images.id), eq(tags.name, query.tag))),
      ),
    );
  }
  if (query.color) {
    conditions.push(
      exists(
        db
          .select({ one: sql`1` })
          .from(imageAi)
          .where(
            and(
              eq(imageAi.imageId, images.id),
              sql`exists (select 1 from json_each(${imageAi.colorNames}) where value = ${query.color})`,
            ),
          ),
      ),
    );
  }
  return conditions;
}

/**
 * The query behind `listImages`: one page (plus one row, to know whether another follows) of the owner's images
 * or trash, filtered and in the sort's order. Null when nothing can match (a search with no words). Exported so
 * a test can check its plan against the indexes (`EXPLAIN QUERY PLAN`).
 */
export function listImagesQuery(
  db: Database,
  ownerId: string,
  query: ImageListQuery,
  options: { trash?: boolean } = {},
) {
  const limit = Math.min(query.limit ?? PAGINATION.defaultLimit, PAGINATION.maxLimit);
  const sort = SORTS[query.sort ?? 'newest'];
  const conditions: (SQL | undefined)[] = [
    eq(images.ownerId, ownerId),
    eq(images.status, 'ready'),
    options.trash ? isNotNull(images.deletedAt) : isNull(images.deletedAt),
  ];
  conditions.push(...imageFilterConditions(db, query));
  if (query.favourite !== undefined) {
    const isFavourite = exists(
      db
        .select({ one: sql`1` })
        .from(favourites)
        .where(and(eq(favourites.imageId, images.id), eq(favourites.ownerId, ownerId))),
    );
    conditions.push(query.favourite ? isFavourite : sql`not ${isFavourite}`);
  }
  if (query.q) {
    const match = ftsQuery(query.q);
    if (!match) return null;
    conditions.push(
      sql`${images.id} in (select image_id from images_fts where images_fts match ${match} and owner_id = ${ownerId})`,
    );
  }
  if (query.cursor) {
    const cursor = decodeCursor(query.cursor);
    // The value as stored (created_at in ms), compared as a row value so SQLite starts the index range there
    // instead of reading every earlier row.
    if (typeof cursor.v !== (sort.column === images.filename ? 'string' : 'number')) throw invalidCursor();
    const beyond = sort.direction === 'desc' ? sql`<` : sql`>`;
    conditions.push(sql`(${sort.column}, ${images.id}) ${beyond} (${cursor.v}, ${cursor.id})`);
  }
  const order = sort.direction === 'desc' ? desc : asc;
  return db
    .select()
    .from(images)
    .where(and(...conditions))
    .orderBy(order(sort.column), order(images.id))
    .limit(limit + 1);
}

/** The owner's images (or trash), filtered, sorted and paged by cursor. */
export async function listImages(
  db: Database,
  ownerId: string,
  query: ImageListQuery,
  options: { trash?: boolean } = {},
): Promise<Page<Image>> {
  const limit = Math.min(query.limit ?? PAGINATION.defaultLimit, PAGINATION.maxLimit);
  const select = listImagesQuery(db, ownerId, query, options);
  if (!select) return { data: [], next_cursor: null };
  const sort = query.sort ?? 'newest';
  return pageOf(await select, limit, (last) => encodeCursor({ v: sortValue(last, sort), id: last.id }));
}

/** Moves an album's image counter; with `onlyIf`, only while that condition holds (checked in the same batch). */
const albumCount = (db: Database, albumId: string, delta: number, onlyIf?: SQL) =>
  db
    .update(albums)
    .set({ imageCount: sql`max(0, ${albums.imageCount} + ${delta})` })
    .where(and(eq(albums.id, albumId), onlyIf));

/** The image row is (still) live, or (still) in the trash: what a racing trash or restore must re-check. */
const imageIs = (imageId: string, state: 'live' | 'trashed') =>
  sql`exists (select 1 from ${images} where ${images.id} = ${imageId} and ${images.deletedAt} ${state === 'live' ? sql`is null` : sql`is not null`})`;

/**
 * Where image changes are written: D1, R2 (a purge deletes the stored files) and the Cache API, whose cached
 * CDN answers must go whenever an image is hidden or moved, because a cache hit never reads D1.
 */
export interface ImageStore {
  db: Database;
  bucket: R2Bucket;
  cache: Cache;
  /** Where a change's backup is asked for (absent: none is; the 03:00 catch-up finds what needs one). */
  backupsQueue?: Queue<BackupsQueueMessage>;
  /** Where an edited image's embedding is asked for again (absent: it keeps the old one until re-analysed). */
  variantsQueue?: Queue<VariantsQueueMessage>;
  /** The vector index of the deployment's embeddings (null or absent: none is configured): a purge deletes from it. */
  vectors?: VectorIndex | null;
}

/**
 * Drops an image's cached CDN answers (both URL forms, original and presets) under the URLs it had before the
 * change: `image` is the row as it was. Called after the change is written, so a request racing it cannot
 * cache the old answer again once it is gone.
 */
const forgetCachedAnswers = (cache: Cache, view: ImageView, image: Image) =>
  purgeImageFromCdnCache(cache, {
    ownerSlug: view.ownerSlug,
    albumSlug: image.albumSlug,
    filename: image.filename,
    shortId: image.shortId,
  });

/**
 * Renames, moves, retags and edits an image. Moving changes the public path; the short URL keeps working, and
 * the stored original stays where it is (its key is on the row). A move, a rename or making it private drops
 * its cached CDN answers. `view` shapes the event's resource.
 */
export async function updateImage(
  store: Pick<ImageStore, 'db' | 'cache' | 'backupsQueue' | 'variantsQueue'>,
  image: Image,
  changes: ImageUpdate,
  view: ImageView,
  now = new Date(),
): Promise<void> {
  const { db } = store;
  const set: Partial<typeof images.$inferInsert> = {};
  if (changes.title !== undefined) set.title = changes.title;
  if (changes.alt !== undefined) set.alt = changes.alt;
  if (changes.description !== undefined) set.description = changes.description;
  if (changes.is_private !== undefined) set.isPrivate = changes.is_private;
  if (changes.nsfw !== undefined) set.nsfw = changes.nsfw;
  if (changes.filename !== undefined) set.filename = sanitizeFilename(changes.filename, image.contentType);
  const counters = [];
  if (changes.album !== undefined) {
    const target = changes.album === null ? null : await albumBySlug(db, image.ownerId, changes.album);
    if ((target?.id ?? null) !== image.albumId) {
      set.albumId = target?.id ?? null;
      set.albumSlug = target?.slug ?? 'default';
      if (image.albumId) counters.push(albumCount(db, image.albumId, -1));
      if (target) counters.push(albumCount(db, target.id, +1));
    }
  }
  const filename = set.filename ?? image.filename;
  const albumSlug = set.albumSlug ?? image.albumSlug;
  if (filename !== image.filename || albumSlug !== image.albumSlug) {
    const [taken] = await db
      .select({ id: images.id })
      .from(images)
      .where(
        and(
          eq(images.ownerId, image.ownerId),
          eq(images.albumSlug, albumSlug),
          eq(images.filename, filename),
        ),
      )
      .limit(1);
    if (taken && taken.id !== image.id) {
      throw new AppError(409, 'CONFLICT', `"${filename}" already exists in album "${albumSlug}"`);
    }
  }
  const data = await imageResourceAfter(db, { ...image, ...set, updatedAt: now }, view, changes.tags);
  await db.batch([
    db
      .update(images)
      .set({ ...set, updatedAt: now })
      .where(and(eq(images.id, image.id), eq(images.ownerId, image.ownerId))),
    ...(changes.tags ? setImageTagsStatements(db, image.ownerId, image.id, changes.tags) : []),
    ...counters,
    outboxInsert(db, image.ownerId, 'image.updated', data),
  ]);
  const moved = filename !== image.filename || albumSlug !== image.albumSlug;
  if (moved || (set.isPrivate && !image.isPrivate)) await forgetCachedAnswers(store.cache, view, image);
  // The backup's sidecar carries the name, album and text: it is rewritten (the original is not copied again).
  await queueBackup(store.backupsQueue, { type: 'backup', ownerId: image.ownerId, imageId: image.id });
  const textChanged = (['title', 'alt', 'description'] as const).some(
    (field) => set[field] !== undefined && set[field] !== image[field],
  );
  if (textChanged || changes.tags) await queueEmbeddings(store.variantsQueue, image.ownerId, [image.id]);
}

/**
 * Moves an image to the trash (restorable for TRASH_RETENTION_DAYS) and drops its cached CDN answers. Counts
 * toward quota until purged.
 */
export async function trashImage(
  store: Pick<ImageStore, 'db' | 'cache'>,
  image: Image,
  view: ImageView,
  now = new Date(),
): Promise<void> {
  const { db } = store;
  // updatedAt is set explicitly so the event's resource carries the stored value.
  const change = { deletedAt: now, updatedAt: now };
  const data = await imageResourceAfter(db, { ...image, ...change }, view);
  // Two trashes racing: D1 runs batches one at a time, so only the first finds the row live and writes the
  // event and the album counter; the event and counter come before the update that ends that state.
  const live = imageIs(image.id, 'live');
  await db.batch([
    outboxInsertWhen(db, live, image.ownerId, 'image.deleted', data),
    ...(image.albumId ? [albumCount(db, image.albumId, -1, live)] : []),
    db
      .update(images)
      .set(change)
      .where(and(eq(images.id, image.id), isNull(images.deletedAt))),
  ]);
  await forgetCachedAnswers(store.cache, view, image);
}

export async function restoreImage(
  db: Database,
  image: Image,
  view: ImageView,
  now = new Date(),
  backupsQueue?: Queue<BackupsQueueMessage>,
): Promise<void> {
  if (!image.deletedAt) return;
  if (now.getTime() - image.deletedAt.getTime() > TRASH_RETENTION_DAYS * DAY_MS) {
    throw new AppError(404, 'NOT_FOUND', `Image was deleted more than ${TRASH_RETENTION_DAYS} days ago`);
  }
  // The album may have been deleted meanwhile: then the image comes back outside any album.
  const [album] = image.albumId
    ? await db
        .select({ id: albums.id })
        .from(albums)
        .where(and(eq(albums.id, image.albumId), isNull(albums.deletedAt)))
    : [];
  const change = { deletedAt: null, updatedAt: now, ...(image.albumId && !album ? { albumId: null } : {}) };
  const data = await imageResourceAfter(db, { ...image, ...change }, view);
  // As with trashing: only the restore that finds the row still in the trash writes the event and counter.
  const trashed = imageIs(image.id, 'trashed');
  await db.batch([
    outboxInsertWhen(db, trashed, image.ownerId, 'image.restored', data),
    ...(album ? [albumCount(db, album.id, +1, trashed)] : []),
    db
      .update(images)
      .set(change)
      .where(and(eq(images.id, image.id), isNotNull(images.deletedAt))),
  ]);
  await queueBackup(backupsQueue, { type: 'backup', ownerId: image.ownerId, imageId: image.id });
}

/**
 * Deletes an image for good: its original and variants in R2 and its embedding first (idempotent, so a crash before the rows
 * go is retried by the next purge), then in one batch its `image.purged` event (the last resource, read
 * before anything is removed), counters and row. The event and counters are guarded by the row still
 * existing when the batch runs, and D1 runs batches one at a time, so of two purges racing (cron and
 * `DELETE ?permanent=true`, or two cron runs) only the first writes anything. Its cached CDN answers are
 * dropped either way (an image trashed before trashing purged the cache may still have some). Returns whether
 * this call removed the row.
 */
export async function purgeImage(store: ImageStore, image: Image, view: ImageView): Promise<boolean> {
  const { db, bucket } = store;
  const last = await toOneImageResource(db, image, view);
  // The image's folder holds its original and every stored variant.
  await deleteUnderPrefix(bucket, folderOf(image.storageKey));
  // Its embedding too (idempotent like the files: a failure leaves the row for the next purge to retry).
  await store.vectors?.deleteByIds([image.id]);
  const stillThere = sql`exists (select 1 from ${images} where ${images.id} = ${image.id})`;
  const [, , , deleted] = await db.batch([
    outboxInsertWhen(db, stillThere, image.ownerId, 'image.purged', last),
    db
      .update(users)
      .set({
        imageCount: sql`max(0, ${users.imageCount} - 1)`,
        storageBytes: sql`max(0, ${users.storageBytes} - ${image.bytes})`,
      })
      .where(and(eq(users.id, image.ownerId), stillThere)),
    db
      .update(albums)
      .set({ imageCount: sql`max(0, ${albums.imageCount} - 1)` })
      // The album of the row as it is now, and only while live: trashing already took the image off it.
      .where(
        sql`${albums.id} = (select ${images.albumId} from ${images} where ${images.id} = ${image.id} and ${images.deletedAt} is null)`,
      ),
    db.delete(images).where(eq(images.id, image.id)).returning({ id: images.id }),
  ]);
  await forgetCachedAnswers(store.cache, view, image);
  if (deleted.length > 0) {
    const extension = image.storageKey.slice(image.storageKey.lastIndexOf('.') + 1);
    await queueBackup(store.backupsQueue, {
      type: 'delete',
      ownerId: image.ownerId,
      imageId: image.id,
      extension,
    });
  }
  return deleted.length > 0;
}

/**
 * Purges trash older than TRASH_RETENTION_DAYS (the 01:00 UTC cron calls this), and two-step uploads whose
 * upload URL expired without bytes (rows only: nothing was stored). Works in pages so one run stays within
 * Worker limits; returns how many trashed images were purged. Safe to run again at any time. `signing` says where
 * the `image.purged` events' URLs point and signs their previews.
 */
export async function purgeExpiredTrash(
  store: ImageStore,
  now: Date,
  options: { signing: SigningDeps; batchSize?: number; maxBatches?: number },
): Promise<number> {
  const { db } = store;
  const { signing } = options;
  const views = new Map<string, ImageView>();
  const cutoff = new Date(now.getTime() - TRASH_RETENTION_DAYS * DAY_MS);
  await db.delete(images).where(
    and(
      eq(images.status, 'pending'),
      // An hour past the URL's expiry, so a PUT that started just in time is never cut off mid-ingest.
      lt(images.createdAt, new Date(now.getTime() - UPLOAD_LIMITS.uploadUrlTtlSeconds * 1000 - HOUR_MS)),
    ),
  );
  const batchSize = options.batchSize ?? 50;
  let purged = 0;
  for (let batch = 0; batch < (options.maxBatches ?? 20); batch++) {
    const expired = await db
      .select()
      .from(images)
      .where(and(isNotNull(images.deletedAt), lte(images.deletedAt, cutoff)))
      .limit(batchSize);
    for (const image of expired) {
      let view = views.get(image.ownerId);
      if (!view) views.set(image.ownerId, (view = await ownerImageView(db, image.ownerId, signing)));
      if (await purgeImage(store, image, view)) purged++;
    }
    if (expired.length < batchSize) break;
  }
  return purged;
}

export async function setFavourite(db: Database, image: Image, favourite: boolean): Promise<void> {
  if (favourite) {
    await db.insert(favourites).values({ ownerId: image.ownerId, imageId: image.id }).onConflictDoNothing();
  } else {
    await db
      .delete(favourites)
      .where(and(eq(favourites.ownerId, image.ownerId), eq(favourites.imageId, image.id)));
  }
}

/**
 * The owner's live images whose id or short id is in `ids`, driven from the list: the CROSS JOIN keeps the list
 * outside, so each value is an id and a short-id lookup in their unique indexes, whatever the library's size
 * (matched from the images side, SQLite reads all of the owner's rows). An image named by both comes twice.
 * Exported for the query-plan test.
 */
export function imagesByIdOrShortId(db: Database, ownerId: string, ids: readonly string[]) {
  return db
    .select(getTableColumns(images))
    .from(jsonEach(ids))
    .crossJoin(images)
    .where(
      and(
        or(eq(images.id, jsonValue), eq(images.shortId, jsonValue)),
        eq(images.ownerId, ownerId),
        eq(images.status, 'ready'),
        isNull(images.deletedAt),
      ),
    );
}

const uniqueById = (rows: Image[]) => [...new Map(rows.map((row) => [row.id, row])).values()];

/**
 * Applies one action to many of the owner's images (`view.ownerId`). Ids that are not the owner's are
 * reported, untouched. Each image is changed in its own batch (with its own event), so a failure part-way
 * leaves every image either fully changed or untouched.
 */
export async function bulkImageAction(
  store: Pick<ImageStore, 'db' | 'cache' | 'variantsQueue'>,
  view: ImageView,
  action: BulkImageAction,
): Promise<{ updated: string[]; notFound: string[] }> {
  const { db } = store;
  const ownerId = view.ownerId;
  const ids = [...new Set(action.ids)];
  const found = uniqueById(await imagesByIdOrShortId(db, ownerId, ids));
  const matched = new Set(found.flatMap((image) => [image.id, image.shortId]));
  for (const image of found) {
    if (action.action === 'move') await updateImage(store, image, { album: action.album }, view);
    else if (action.action === 'delete') await trashImage(store, image, view);
    else {
      const before = await toOneImageResource(db, image, view);
      await db.batch([
        outboxInsert(db, ownerId, 'image.updated', {
          ...before,
          tags: tagListOf([...before.tags, ...action.tags]),
        }),
        ...addImageTagsStatements(db, ownerId, image.id, action.tags),
      ]);
    }
  }
  if (action.action === 'tag')
    await queueEmbeddings(
      store.variantsQueue,
      ownerId,
      found.map((image) => image.id),
    );
  return {
    updated: found.map((image) => image.id),
    notFound: ids.filter((id) => !matched.has(id)),
  };
}
