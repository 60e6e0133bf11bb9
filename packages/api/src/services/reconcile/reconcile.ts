import { RECONCILE_LIMITS, UPLOAD_LIMITS } from '@pixelflare/config';
import { images, type Database } from '@pixelflare/database';
import { and, asc, eq, gt, isNull } from 'drizzle-orm';
import { describeError, type Logger } from '../../lib/logger';
import { inList } from '../../lib/sql';
import { ORPHAN_RECORD_PREFIX, type OrphanRecord } from './orphans';

/** Where the sweep stopped, kept in KV so the next run goes on from there. */
export const RECONCILE_CURSOR_KEY = 'reconcile:cursor';

export interface ReconcileDeps {
  db: Database;
  bucket: R2Bucket;
  kv: KVNamespace;
  logger: Logger;
}

/** How much one run may do, so it stays well inside a Worker invocation's subrequest and time limits. */
export interface ReconcileBudget {
  /** R2 listing pages (up to 1,000 keys each) of the object sweep. */
  objectPages: number;
  /** Keys per R2 listing page. */
  objectPageSize: number;
  /** D1 pages of ready rows whose original is checked (one R2 `head` per row). */
  rowPages: number;
  rowPageSize: number;
  /** Orphan records (left by an upload that could not remove its object) handled per run. */
  records: number;
}

interface ReconcileCursor {
  /** The R2 listing cursor of the object sweep; absent to start from the first key. */
  objects?: string;
  /** The last image id whose original was checked; absent to start from the first row. */
  rowsAfter?: string;
}

export interface ReconcileResult {
  recordedOrphansDeleted: number;
  orphanObjectsDeleted: number;
  rowsMarkedFailed: number;
  objectsChecked: number;
  rowsChecked: number;
  /** Whether each sweep reached its end this run (the next run starts it again from the top). */
  objectSweepComplete: boolean;
  rowSweepComplete: boolean;
}

/** `{ownerId}/{album}/{imageId}/...`: the image a key belongs to (originals and variants alike). */
function imageOfKey(key: string): { ownerId: string; imageId: string } | null {
  const [ownerId, album, imageId, name] = key.split('/');
  if (!ownerId || !album || !imageId?.startsWith('img_') || !name) return null;
  return { ownerId, imageId };
}

/**
 * An object may be an upload in flight (stored in R2, its row not yet written) for a moment; a tus upload's
 * parked tail (`….tail`) for as long as the upload may still resume. Younger objects are never touched.
 */
function oldEnough(object: R2Object, now: Date): boolean {
  const grace =
    RECONCILE_LIMITS.orphanGraceSeconds +
    (object.key.endsWith('.tail') ? UPLOAD_LIMITS.resumableExpirySeconds : 0);
  return now.getTime() - object.uploaded.getTime() > grace * 1000;
}

async function readCursor(deps: ReconcileDeps): Promise<ReconcileCursor> {
  try {
    return (await deps.kv.get<ReconcileCursor>(RECONCILE_CURSOR_KEY, 'json')) ?? {};
  } catch (error) {
    // Without the cursor the sweep starts from the top: slower to get round, never wrong.
    deps.logger.warn('reconcile cursor unreadable; starting from the top', describeError(error));
    return {};
  }
}

/**
 * The image ids (of `ids`) with a row of the owner their key names, in any state (pending, ready, failed, in
 * the trash). One query per listing page: ids are unique, so the owner is compared on the rows found.
 */
async function heldImages(db: Database, keys: { ownerId: string; imageId: string }[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db
    .select({ id: images.id, ownerId: images.ownerId })
    .from(images)
    .where(inList(images.id, [...new Set(keys.map((key) => key.imageId))]));
  return new Set(rows.map((row) => `${row.ownerId}/${row.id}`));
}

/** Objects recorded by uploads that could not remove them: deleted unless a row now holds the key. */
async function reconcileRecords(deps: ReconcileDeps, limit: number): Promise<number> {
  const listing = await deps.kv.list({ prefix: ORPHAN_RECORD_PREFIX, limit });
  let deleted = 0;
  for (const entry of listing.keys) {
    const record = await deps.kv.get<OrphanRecord>(entry.name, 'json');
    if (record) {
      const [held] = await deps.db
        .select({ id: images.id })
        .from(images)
        .where(and(eq(images.ownerId, record.ownerId), eq(images.storageKey, record.key)))
        .limit(1);
      if (!held) {
        await deps.bucket.delete(record.key);
        deleted++;
        deps.logger.info('reconcile: deleted a recorded orphan object', {
          key: record.key,
          recordedAt: record.recordedAt,
        });
      }
    }
    await deps.kv.delete(entry.name);
  }
  return deleted;
}

/** One R2 listing page: objects of images that have no row (and are past the grace period) are deleted. */
async function reconcileObjectPage(
  deps: ReconcileDeps,
  cursor: string | undefined,
  pageSize: number,
  now: Date,
): Promise<{ next?: string; checked: number; deleted: number }> {
  const listing = await deps.bucket.list({ cursor, limit: pageSize });
  const candidates = listing.objects.flatMap((object) => {
    const image = imageOfKey(object.key);
    return image && oldEnough(object, now) ? [{ ...image, key: object.key }] : [];
  });
  const held = await heldImages(deps.db, candidates);
  const doomed = candidates
    .filter((candidate) => !held.has(`${candidate.ownerId}/${candidate.imageId}`))
    .map((candidate) => candidate.key);
  if (doomed.length > 0) {
    await deps.bucket.delete(doomed);
    deps.logger.warn('reconcile: deleted objects no row holds', { count: doomed.length, keys: doomed });
  }
  return {
    next: listing.truncated ? listing.cursor : undefined,
    checked: listing.objects.length,
    deleted: doomed.length,
  };
}

/**
 * One D1 page of ready rows (by id): a row whose original is missing from R2 is marked `failed`, so the CDN
 * answers 404 rather than failing on every request, listings can show it, and its owner can delete it.
 */
async function reconcileRowPage(
  deps: ReconcileDeps,
  after: string | undefined,
  pageSize: number,
): Promise<{ next?: string; checked: number; failed: number }> {
  const rows = await deps.db
    .select({ id: images.id, ownerId: images.ownerId, storageKey: images.storageKey })
    .from(images)
    .where(
      and(
        eq(images.status, 'ready'),
        isNull(images.deletedAt),
        after === undefined ? undefined : gt(images.id, after),
      ),
    )
    .orderBy(asc(images.id))
    .limit(pageSize);
  let failed = 0;
  for (const row of rows) {
    if (await deps.bucket.head(row.storageKey)) continue;
    await deps.db
      .update(images)
      .set({ status: 'failed', updatedAt: new Date() })
      .where(and(eq(images.id, row.id), eq(images.ownerId, row.ownerId), eq(images.status, 'ready')));
    failed++;
    deps.logger.warn('reconcile: marked an image failed, its original is missing', {
      imageId: row.id,
      ownerId: row.ownerId,
      key: row.storageKey,
    });
  }
  return { next: rows.length === pageSize ? rows.at(-1)!.id : undefined, checked: rows.length, failed };
}

/**
 * Reconciles R2 with D1 in bounded steps (the 01:00 cleanup runs it): first the objects uploads recorded as
 * not removed, then a page-by-page sweep of every object (deleting those of images with no row, once past
 * the grace period), then of every ready row (marking `failed` those whose original is missing). Each sweep
 * resumes next run where this one stopped; every step is idempotent.
 */
export async function reconcileStorage(
  deps: ReconcileDeps,
  now: Date,
  budget: ReconcileBudget = RECONCILE_LIMITS.budget,
): Promise<ReconcileResult> {
  const cursor = await readCursor(deps);
  const recordedOrphansDeleted = await reconcileRecords(deps, budget.records);

  let objects = cursor.objects;
  let objectsChecked = 0;
  let orphanObjectsDeleted = 0;
  let objectSweepComplete = false;
  for (let page = 0; page < budget.objectPages; page++) {
    const result = await reconcileObjectPage(deps, objects, budget.objectPageSize, now);
    objectsChecked += result.checked;
    orphanObjectsDeleted += result.deleted;
    objects = result.next;
    if (!objects) {
      objectSweepComplete = true;
      break;
    }
  }

  let rowsAfter = cursor.rowsAfter;
  let rowsChecked = 0;
  let rowsMarkedFailed = 0;
  let rowSweepComplete = false;
  for (let page = 0; page < budget.rowPages; page++) {
    const result = await reconcileRowPage(deps, rowsAfter, budget.rowPageSize);
    rowsChecked += result.checked;
    rowsMarkedFailed += result.failed;
    rowsAfter = result.next;
    if (!rowsAfter) {
      rowSweepComplete = true;
      break;
    }
  }

  const next: ReconcileCursor = { objects, rowsAfter };
  await deps.kv.put(RECONCILE_CURSOR_KEY, JSON.stringify(next));
  return {
    recordedOrphansDeleted,
    orphanObjectsDeleted,
    rowsMarkedFailed,
    objectsChecked,
    rowsChecked,
    objectSweepComplete,
    rowSweepComplete,
  };
}
