import type { ColorName } from '@pixelflare/config';
import { index, integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { bool, createdAt, json, timestamp, updatedAt } from './columns';
import { images } from './images';

/** A box in an image, in fractions of its width and height (0–1), so it holds for every rendition. */
export interface ImageBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * What the product worked out about an image: colours and a placeholder (always, no AI needed), then what the AI
 * engine found (labels, faces, text, caption). Each AI result names the engine and model that produced it, so
 * results of different models are never mixed. One row per image; re-running analysis overwrites it.
 */
export const imageAi = sqliteTable(
  'image_ai',
  {
    imageId: text('image_id')
      .primaryKey()
      .references(() => images.id, { onDelete: 'cascade' }),
    ownerId: text('owner_id').notNull(),
    /** ThumbHash of the upright image, base64 (about 25 bytes). */
    thumbhash: text('thumbhash'),
    /** `#rrggbb`: the colour most of the picture has. */
    dominantColor: text('dominant_color'),
    /** Up to five colours with the share of the picture each covers, largest first. */
    palette: json<{ color: string; share: number }[]>('palette'),
    /** Named colours (COLOR_NAMES) the picture shows enough of: what `?color=` filters on. */
    colorNames: json<ColorName[]>('color_names'),
    colorsAt: timestamp('colors_at'),
    /** AI analysis: pending (queued), done, failed, or off (the engine or the account has analysis off). */
    status: text('status').$type<'pending' | 'done' | 'failed' | 'off'>().notNull().default('pending'),
    /** `workers-ai` or `local`: the engine the AI results below came from. */
    engine: text('engine'),
    labels: json<{ label: string; score: number }[]>('labels'),
    labelsModel: text('labels_model'),
    faces: json<(ImageBox & { score: number })[]>('faces'),
    facesModel: text('faces_model'),
    /** Where a crop should centre (fractions): the faces, else the most salient object; null when unknown. */
    focal: json<{ x: number; y: number; source: 'faces' | 'object' }>('focal'),
    ocrText: text('ocr_text'),
    ocrConfidence: real('ocr_confidence'),
    ocrModel: text('ocr_model'),
    caption: text('caption'),
    captionModel: text('caption_model'),
    /** True when the caption was composed from labels and text rather than written by a captioning model. */
    captionComposed: bool('caption_composed').notNull().default(false),
    /** The moderation score (0–1, Porn + Hentai for nsfwjs) and its model; null when none ran. */
    nsfwScore: real('nsfw_score'),
    nsfwModel: text('nsfw_model'),
    /** The model whose text embedding of this analysis is in `embedding_index` (null: none stored). */
    embeddingModel: text('embedding_model'),
    /** The vector index holding it (named by model and dimension: vectors of different models never mix). */
    embeddingIndex: text('embedding_index'),
    error: text('error'),
    /** How many analyses ran (re-runs included). */
    runs: integer('runs').notNull().default(0),
    analyzedAt: timestamp('analyzed_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('image_ai_owner_idx').on(t.ownerId)],
);
