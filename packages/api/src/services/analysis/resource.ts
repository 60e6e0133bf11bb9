import { imageAi, type Database, type Image } from '@pixelflare/database';
import type { ImageAnalysis } from '@pixelflare/shared';
import { eq } from 'drizzle-orm';
import { sendVariantsMessage, type VariantsQueueMessage } from '../../jobs/messages';
import { AppError } from '../../lib/errors';

/** An image's analysis as the API shows it; an image never analysed is `pending` with nothing found. */
export async function analysisOf(db: Database, image: Pick<Image, 'id' | 'nsfw'>): Promise<ImageAnalysis> {
  const row = await db.select().from(imageAi).where(eq(imageAi.imageId, image.id)).get();
  const faces = row?.faces ?? [];
  return {
    image_id: image.id,
    status: row?.status ?? 'pending',
    engine: row?.engine === 'workers-ai' || row?.engine === 'local' ? row.engine : null,
    colors: row?.colorsAt
      ? { dominant: row.dominantColor, palette: row.palette ?? [], names: row.colorNames ?? [] }
      : null,
    labels: { items: row?.labels ?? [], model: row?.labelsModel ?? null },
    faces: { count: faces.length, items: faces, model: row?.facesModel ?? null },
    text: {
      text: row?.ocrText ?? null,
      confidence: row?.ocrConfidence ?? null,
      model: row?.ocrModel ?? null,
    },
    caption: {
      text: row?.caption ?? null,
      model: row?.captionModel ?? null,
      composed: row?.captionComposed ?? false,
    },
    embedding: { model: row?.embeddingModel ?? null, index: row?.embeddingIndex ?? null },
    moderation: {
      score: row?.nsfwScore ?? null,
      model: row?.nsfwModel ?? null,
      flagged: image.nsfw,
    },
    focal_point: row?.focal ?? null,
    error: row?.error ?? null,
    analyzed_at: row?.analyzedAt?.toISOString() ?? null,
  };
}

/** Queues a forced re-analysis (colours and AI results worked out again). */
export async function requestAnalysis(
  queue: Queue<VariantsQueueMessage>,
  image: Pick<Image, 'id' | 'ownerId' | 'isEncrypted' | 'contentType'>,
): Promise<void> {
  if (image.isEncrypted || image.contentType === 'image/svg+xml')
    throw new AppError(
      422,
      'UNPROCESSABLE_IMAGE',
      image.isEncrypted
        ? 'Encrypted images are not analysed: their colours, labels or text would show what the encryption hides'
        : 'SVG images are not analysed',
    );
  try {
    await sendVariantsMessage(queue, {
      type: 'analyze',
      imageId: image.id,
      ownerId: image.ownerId,
      force: true,
    });
  } catch {
    throw new AppError(503, 'SERVICE_UNAVAILABLE', 'The analysis could not be queued; ask again');
  }
}
