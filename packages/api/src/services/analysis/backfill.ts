import { AI_ANALYSIS } from '@pixelflare/config';
import { imageAi, images, type Database } from '@pixelflare/database';
import { and, asc, eq, gt, isNull } from 'drizzle-orm';
import type { AnalyzeImageMessage } from '../../jobs/messages';

export interface BackfillDeps {
  db: Database;
  /** The vector index of the deployment's engine (null: none): images without a vector there need analysis. */
  vectorIndex: string | null;
  /** Queues the page's analyze messages (at most a page: the queue takes 100 per batch). */
  send: (messages: AnalyzeImageMessage[]) => Promise<void>;
}

/**
 * One bounded page of an owner's backfill: among its next `batchSize` live, ready images (by id, after `after`), those
 * analysis has not served yet get an `analyze` message: no row, colours missing, pending or failed,
 * off when an engine now runs, or done without a vector in this engine's index (analysed before embeddings, or by another engine: forced, since
 * a done analysis is otherwise kept). Encrypted and SVG images are skipped, as analysis skips them. Returns the id
 * to continue after, or null when this was the last page. Running it again queues only what still needs it.
 */
export async function backfillPage(
  deps: BackfillDeps,
  ownerId: string,
  after: string | undefined,
  batchSize: number = AI_ANALYSIS.backfillBatch,
): Promise<{ scanned: number; queued: number; next: string | null }> {
  const page = await deps.db
    .select({
      id: images.id,
      contentType: images.contentType,
      isEncrypted: images.isEncrypted,
      status: imageAi.status,
      colorsAt: imageAi.colorsAt,
      embeddingIndex: imageAi.embeddingIndex,
    })
    .from(images)
    .leftJoin(imageAi, eq(imageAi.imageId, images.id))
    .where(
      and(
        eq(images.ownerId, ownerId),
        eq(images.status, 'ready'),
        isNull(images.deletedAt),
        after ? gt(images.id, after) : undefined,
      ),
    )
    .orderBy(asc(images.id))
    .limit(batchSize);
  const messages: AnalyzeImageMessage[] = [];
  for (const row of page) {
    if (row.isEncrypted || row.contentType === 'image/svg+xml') continue;
    const missingVector =
      deps.vectorIndex !== null && row.status === 'done' && row.embeddingIndex !== deps.vectorIndex;
    const needed =
      row.status === null ||
      !row.colorsAt ||
      row.status === 'pending' ||
      row.status === 'failed' ||
      // Analysed while no engine ran (or the account had it off): with an engine now, worth running.
      (row.status === 'off' && deps.vectorIndex !== null);
    if (needed || missingVector)
      messages.push({ type: 'analyze', imageId: row.id, ownerId, ...(missingVector ? { force: true } : {}) });
  }
  await deps.send(messages);
  return {
    scanned: page.length,
    queued: messages.length,
    next: page.length === batchSize ? page.at(-1)!.id : null,
  };
}
