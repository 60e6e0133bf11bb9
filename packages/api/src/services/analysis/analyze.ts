import { AI_ANALYSIS, AI_MODELS, SEARCH } from '@pixelflare/config';
import { imageAi, imageTags, images, tags, users, type Database, type Image } from '@pixelflare/database';
import { and, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { ImageEngine } from '../../engines/types';
import { notFound } from '../../lib/errors';
import { AiEngineError, type AiEngine } from '../ai/models';
import type { VectorIndex } from '../vectors/index';
import { colorFactsOf } from './colors';
import { renderSample, rgbaSample } from './sample';
import type { ReadBucket } from '../backups/originals';
import { understand, type Understanding } from './understand';

export interface AnalysisDeps {
  db: Database;
  bucket: ReadBucket;
  /** Where an image's original is read when not R2 (bring your own storage: services/backups/originals). */
  originalsFor?: (image: Image) => Promise<ReadBucket>;
  /** The deployment's image engine, loaded on first use; null when it is passthrough (no pixels to read). */
  imageEngine: () => Promise<ImageEngine | null>;
  /** The AI engine (AI_ENGINE); null when analysis is off. */
  ai: AiEngine | null;
  /** Where the engine's text embeddings go (null: none are stored, search stays lexical). */
  vectors: VectorIndex | null;
}

export interface AnalysisOutcome {
  colors: 'computed' | 'kept' | 'skipped';
  /** done: the engine ran; kept: done before (no force); off: the deployment or the account has analysis off. */
  ai: 'done' | 'kept' | 'off' | 'skipped';
}

/**
 * Images analysis leaves alone: SVG (no raster to read), and encrypted ones, whose placeholder, colours, labels
 * or text would show what the encryption hides.
 */
export function analysable(image: Pick<Image, 'status' | 'contentType' | 'isEncrypted'>): boolean {
  return image.status === 'ready' && image.contentType !== 'image/svg+xml' && !image.isEncrypted;
}

async function liveImage(db: Database, imageId: string, ownerId: string): Promise<Image | undefined> {
  return db
    .select()
    .from(images)
    .where(and(eq(images.id, imageId), eq(images.ownerId, ownerId), isNull(images.deletedAt)))
    .get();
}

async function originalBytes(bucket: ReadBucket, image: Image): Promise<Uint8Array> {
  const original = await bucket.get(image.storageKey);
  if (!original) throw notFound('Image');
  return new Uint8Array(await original.arrayBuffer());
}

type RowValues = Partial<typeof imageAi.$inferInsert>;
type RowSet = { [K in keyof RowValues]: RowValues[K] | SQL };

/** Writes part of an image's row, creating it when it is the first (`set`: what an existing row gets instead). */
function upsertRow(db: Database, image: Image, values: RowValues, set: RowSet = values) {
  return db
    .insert(imageAi)
    .values({ imageId: image.id, ownerId: image.ownerId, ...values })
    .onConflictDoUpdate({ target: imageAi.imageId, set });
}

/**
 * Works out an image's colours and ThumbHash placeholder and stores them in `image_ai`. Idempotent: the same
 * original gives the same row, so a redelivered message or a re-run changes nothing; without `force` an image
 * whose colours are stored is not read again. Run by the variants job before it announces the variants, so
 * `image.variants_ready` carries the placeholder.
 */
export async function ensureColors(
  deps: Pick<AnalysisDeps, 'db' | 'bucket' | 'imageEngine' | 'originalsFor'>,
  image: Image,
  options: { force?: boolean; source?: Uint8Array } = {},
): Promise<AnalysisOutcome['colors']> {
  if (!analysable(image)) return 'skipped';
  if (!options.force) {
    const existing = await deps.db
      .select({ colorsAt: imageAi.colorsAt })
      .from(imageAi)
      .where(eq(imageAi.imageId, image.id))
      .get();
    if (existing?.colorsAt) return 'kept';
  }
  const engine = await deps.imageEngine();
  if (!engine) return 'skipped';
  const source =
    options.source ??
    (await originalBytes(deps.originalsFor ? await deps.originalsFor(image) : deps.bucket, image));
  const facts = colorFactsOf(await rgbaSample(engine, image, source));
  await upsertRow(deps.db, image, { ...facts, colorsAt: new Date() });
  return 'computed';
}

/**
 * What an image's embedding is made of: the caption, labels and text found, and the owner's title, alt text and
 * tags (so a search by meaning finds it by either). Deterministic, so a re-run embeds the same text.
 */
export function embeddingText(
  image: Pick<Image, 'title' | 'alt' | 'description'>,
  tagNames: string[],
  found: Pick<Understanding, 'caption' | 'labels' | 'ocrText'>,
): string {
  const parts = [
    image.title,
    image.alt,
    found.caption,
    found.labels.length ? found.labels.map((l) => l.label).join(', ') : null,
    found.ocrText,
    tagNames.length ? tagNames.join(', ') : null,
    image.description,
  ];
  return parts
    .map((part) => part?.trim().replace(/[.\s]+$/u, ''))
    .filter((part): part is string => Boolean(part))
    .join('. ')
    .slice(0, SEARCH.maxEmbedChars);
}

/**
 * Embeds the analysis and upserts the vector (id = image id, metadata owner) into the engine's index. The vector's
 * size must be the index's: an engine answering with another model's vectors fails rather than mixing them.
 */
async function embedAnalysis(
  deps: Pick<AnalysisDeps, 'db' | 'ai' | 'vectors'>,
  image: Image,
  found: Pick<Understanding, 'caption' | 'labels' | 'ocrText'>,
): Promise<{ embeddingModel: string | null; embeddingIndex: string | null }> {
  const none = { embeddingModel: null, embeddingIndex: null };
  if (!deps.ai || !deps.vectors) return none;
  const tagRows = await deps.db
    .select({ name: tags.name })
    .from(imageTags)
    .innerJoin(tags, eq(tags.id, imageTags.tagId))
    .where(eq(imageTags.imageId, image.id))
    .orderBy(tags.name);
  const text = embeddingText(
    image,
    tagRows.map((t) => t.name),
    found,
  );
  if (!text) {
    await deps.vectors.deleteByIds([image.id]);
    return none;
  }
  const result = await deps.ai.run(AI_MODELS.embedding, { text: [text] });
  const values = result?.output.data[0];
  if (!result || !values) return none;
  if (values.length !== deps.vectors.dimensions)
    throw new AiEngineError(
      `${result.model} gave ${values.length}-d vectors; index ${deps.vectors.name} holds ${deps.vectors.dimensions}-d`,
    );
  await deps.vectors.upsert([{ id: image.id, values, owner: image.ownerId }]);
  return { embeddingModel: result.model, embeddingIndex: deps.vectors.name };
}

/**
 * Embeds an analysed image again from its stored analysis and its current title, alt text, description and tags
 * (the `embed` message, after an edit). An image not analysed yet is left to its analysis, which embeds the
 * current text; a deployment or account without AI keeps nothing to redo.
 */
export async function reembedImage(
  deps: Pick<AnalysisDeps, 'db' | 'ai' | 'vectors'>,
  ref: { imageId: string; ownerId: string },
): Promise<'done' | 'skipped'> {
  if (!deps.ai || !deps.vectors) return 'skipped';
  const image = await liveImage(deps.db, ref.imageId, ref.ownerId);
  if (!image || !analysable(image)) return 'skipped';
  const row = await deps.db
    .select({
      status: imageAi.status,
      caption: imageAi.caption,
      labels: imageAi.labels,
      ocrText: imageAi.ocrText,
    })
    .from(imageAi)
    .where(and(eq(imageAi.imageId, image.id), eq(imageAi.ownerId, image.ownerId)))
    .get();
  if (row?.status !== 'done') return 'skipped';
  const embedded = await embedAnalysis(deps, image, {
    caption: row.caption,
    labels: row.labels ?? [],
    ocrText: row.ocrText,
  });
  await deps.db
    .update(imageAi)
    .set(embedded)
    .where(and(eq(imageAi.imageId, image.id), eq(imageAi.ownerId, image.ownerId)));
  return 'done';
}

/**
 * The whole analysis of one image (the analyze message: after upload, and POST /v1/images/{id}/analyze with
 * `force`): colours when missing (or forced), then the AI engine's labels, faces, text and caption. Idempotent:
 * done analyses are kept unless forced, and a forced one of the same original stores the same results. A failing
 * engine leaves `status: failed` with the reason and throws, so the message is retried.
 */
export async function analyzeImage(
  deps: AnalysisDeps,
  ref: { imageId: string; ownerId: string },
  options: { force?: boolean } = {},
): Promise<AnalysisOutcome> {
  const image = await liveImage(deps.db, ref.imageId, ref.ownerId);
  if (!image || !analysable(image)) return { colors: 'skipped', ai: 'skipped' };
  const source = await originalBytes(deps.originalsFor ? await deps.originalsFor(image) : deps.bucket, image);
  const colors = await ensureColors(deps, image, { force: options.force, source });
  const [owner, row] = await Promise.all([
    deps.db.select({ aiAnalysis: users.aiAnalysis }).from(users).where(eq(users.id, image.ownerId)).get(),
    deps.db.select({ status: imageAi.status }).from(imageAi).where(eq(imageAi.imageId, image.id)).get(),
  ]);
  if (!deps.ai || !owner?.aiAnalysis) {
    // Results an earlier engine stored stay (they name their model); only the status says nothing new runs.
    if (row?.status !== 'off') await upsertRow(deps.db, image, { status: 'off' });
    return { colors, ai: 'off' };
  }
  if (row?.status === 'done' && !options.force) return { colors, ai: 'kept' };
  const engine = await deps.imageEngine();
  if (!engine) return { colors, ai: 'skipped' };
  const sample = await renderSample(engine, image, source, AI_ANALYSIS.sampleSize, 'jpeg');
  let found;
  try {
    found = await understand(deps.ai, sample.bytes, sample);
  } catch (error) {
    if (!(error instanceof AiEngineError)) throw error;
    await upsertRow(deps.db, image, { status: 'failed', error: error.message, engine: deps.ai.name });
    throw error;
  }
  let embedded;
  try {
    embedded = await embedAnalysis(deps, image, found);
  } catch (error) {
    if (!(error instanceof AiEngineError)) throw error;
    await upsertRow(deps.db, image, { status: 'failed', error: error.message, engine: deps.ai.name });
    throw error;
  }
  const done = { ...found, ...embedded, status: 'done' as const, error: null, analyzedAt: new Date() };
  await upsertRow(deps.db, image, { ...done, runs: 1 }, { ...done, runs: sql`${imageAi.runs} + 1` });
  // A high moderation score flags the image for review (off public pages); analysis never clears the flag or
  // deletes anything: the owner decides.
  if (found.nsfwScore !== null && found.nsfwScore >= AI_ANALYSIS.nsfwThreshold && !image.nsfw)
    await deps.db.update(images).set({ nsfw: true }).where(eq(images.id, image.id));
  return { colors, ai: 'done' };
}
