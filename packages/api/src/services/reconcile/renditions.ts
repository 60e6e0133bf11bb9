import { imageVariants, images, type Database } from '@pixelflare/database';
import { and, asc, eq, gt, isNull, lt, ne, or, sql } from 'drizzle-orm';
import type { VariantsQueueMessage } from '../../jobs/messages';
import { describeError, type Logger } from '../../lib/logger';
import { inList } from '../../lib/sql';

/** Where the renditions sweep stopped: images after this (created_at, id) are looked at next run. */
export const RENDITIONS_CURSOR_KEY = 'reconcile:renditions-cursor';

export const RENDITION_SWEEP_LIMITS = {
  /** An upload's variants job normally finishes in seconds; an image younger than this is left to it. */
  graceSeconds: 60 * 60,
  /** Images re-queued per run at most (one queue `sendBatch`). */
  perRun: 100,
  /** Images examined per run at most (D1 pages of `pageSize`). */
  pages: 5,
  pageSize: 100,
} as const;

export interface RenditionSweepDeps {
  db: Database;
  queue: Queue<VariantsQueueMessage>;
  kv: KVNamespace;
  logger: Logger;
  /** The presets the deployment renders ahead (ALLOWED_VARIANTS); none means nothing to redo. */
  presets: readonly string[];
}

interface Cursor {
  createdAt: number;
  id: string;
}

/**
 * Redoes variants jobs whose message was lost (the upload's `send` threw, or the queue dropped it): a ready
 * raster image older than the grace period with fewer ready preset renditions than the deployment renders
 * ahead gets a new `generate` message. The job is idempotent (it skips what is ready and lists what R2 holds),
 * so re-queuing an image that was only slow costs a few reads. Bounded per run, resumable from a KV cursor that
 * goes round the images in creation order: an image that can never render is re-queued once per round, and
 * does not hold back the others.
 */
export async function requeueMissingRenditions(
  deps: RenditionSweepDeps,
  now: Date,
  limits: { graceSeconds: number; perRun: number; pages: number; pageSize: number } = RENDITION_SWEEP_LIMITS,
): Promise<{ examined: number; requeued: number; complete: boolean }> {
  if (deps.presets.length === 0) return { examined: 0, requeued: 0, complete: true };
  let cursor = await readCursor(deps);
  const before = new Date(now.getTime() - limits.graceSeconds * 1000);
  const lost: { imageId: string; ownerId: string }[] = [];
  let examined = 0;
  let complete = false;
  const readyPresets = sql<number>`(SELECT count(DISTINCT ${imageVariants.name}) FROM ${imageVariants}
    WHERE ${imageVariants.imageId} = ${images.id} AND ${imageVariants.status} = 'ready'
    AND ${inList(imageVariants.name, [...deps.presets])})`;
  for (let page = 0; page < limits.pages && lost.length < limits.perRun; page++) {
    const rows = await deps.db
      .select({ id: images.id, ownerId: images.ownerId, createdAt: images.createdAt, ready: readyPresets })
      .from(images)
      .where(
        and(
          eq(images.status, 'ready'),
          isNull(images.deletedAt),
          ne(images.contentType, 'image/svg+xml'),
          lt(images.createdAt, before),
          cursor
            ? or(
                gt(images.createdAt, new Date(cursor.createdAt)),
                and(eq(images.createdAt, new Date(cursor.createdAt)), gt(images.id, cursor.id)),
              )
            : undefined,
        ),
      )
      .orderBy(asc(images.createdAt), asc(images.id))
      .limit(limits.pageSize);
    examined += rows.length;
    for (const row of rows) {
      if (row.ready < deps.presets.length) lost.push({ imageId: row.id, ownerId: row.ownerId });
      cursor = { createdAt: row.createdAt.getTime(), id: row.id };
      if (lost.length >= limits.perRun) break;
    }
    if (rows.length < limits.pageSize && lost.length < limits.perRun) {
      complete = true;
      break;
    }
  }
  if (lost.length > 0) {
    // If this send throws too, the cursor is not moved: the next run finds the same images again.
    await deps.queue.sendBatch(lost.map((image) => ({ body: { type: 'generate', ...image } })));
    deps.logger.warn('variants jobs redone for images missing renditions', {
      images: lost.map((image) => image.imageId),
    });
  }
  await writeCursor(deps, complete ? null : cursor);
  return { examined, requeued: lost.length, complete };
}

async function readCursor(deps: RenditionSweepDeps): Promise<Cursor | null> {
  try {
    return await deps.kv.get<Cursor>(RENDITIONS_CURSOR_KEY, 'json');
  } catch (error) {
    // Without the cursor the sweep starts from the first image: slower to get round, never wrong.
    deps.logger.warn('renditions cursor unreadable; starting from the first image', describeError(error));
    return null;
  }
}

async function writeCursor(deps: RenditionSweepDeps, cursor: Cursor | null): Promise<void> {
  try {
    if (cursor) await deps.kv.put(RENDITIONS_CURSOR_KEY, JSON.stringify(cursor));
    else await deps.kv.delete(RENDITIONS_CURSOR_KEY);
  } catch (error) {
    deps.logger.warn('renditions cursor not saved; the next run repeats this one', describeError(error));
  }
}
