import { EAGER_VARIANT_FORMATS, VARIANT_NAMES, isVariantName, type VariantName } from '@pixelflare/config';
import { albums, imageVariants, images } from '@pixelflare/database';
import { and, eq, isNull } from 'drizzle-orm';
import { engineNameFor, loadEngine } from '../engines/select';
import type { ImageEngine } from '../engines/types';
import { outboxInsert } from '../services/events/outbox';
import { ownerImageView, signingDepsOf, toOneImageResource } from '../services/images/resource';
import {
  renderToStorage,
  storedVariantFacts,
  variantRowUpsert,
  type StoredVariantFacts,
  type VariantSpec,
} from '../services/variants/render';
import { resolveVariant } from '../services/variants/resolve';
import { ensureColors } from '../services/analysis/analyze';
import { originalsOf } from '../services/backups/originals';
import { backupSettingsOf } from '../services/backups/settings';
import type { JobContext } from './context';
import { GenerateVariantsMessage, VariantsQueueMessage } from './messages';
import { purgeAlbumJob } from './purge-album';
import { analyzeImageJob, backfillAnalysisJob, embedImageJob } from './analyze';
import { deleteAccountJob } from './delete-account';
import { buildExportJob } from './export';
import { rewrapKeysJob } from './encryption-rotate';
import { renderEncryptedRenditions } from '../services/encryption/renditions';

/** The variants queue's consumer: renders presets, analyses images, purges albums, re-wraps keys, deletes accounts. */
export async function consumeVariantsMessage(body: unknown, ctx: JobContext): Promise<void> {
  const parsed = VariantsQueueMessage.safeParse(body);
  if (!parsed.success) {
    // A malformed message will never succeed: log it rather than retry it into the dead-letter queue.
    ctx.logger.error('invalid variants message', { body });
    return;
  }
  if (parsed.data.type === 'purge-album') return purgeAlbumJob(parsed.data, ctx);
  if (parsed.data.type === 'rewrap-keys') return rewrapKeysJob(parsed.data, ctx);
  if (parsed.data.type === 'delete-account') return deleteAccountJob(parsed.data, ctx);
  if (parsed.data.type === 'build-export') return buildExportJob(parsed.data, ctx);
  if (parsed.data.type === 'analyze') return analyzeImageJob(parsed.data, ctx);
  if (parsed.data.type === 'embed') return embedImageJob(parsed.data, ctx);
  if (parsed.data.type === 'backfill-analysis') return backfillAnalysisJob(parsed.data, ctx);
  return generateVariants(parsed.data, ctx);
}

/**
 * Renders an image's presets ahead of the first request, in the formats browsers are most likely to ask for,
 * and emits `image.variants_ready` (the image resource plus every ready variant). Throwing retries the
 * message (then the dead-letter queue).
 *
 * Renders go to R2 first; their `image_variants` rows and the event are written in one D1 batch at the end,
 * so the event exists exactly when the rows it announces do. A variant counts as done only once its row is
 * ready: a redelivery after a crash (or a failed batch) lists what is already in R2 without rendering it
 * again, and writes those rows with the event then. A redelivery after the batch finds every row ready and
 * writes nothing, so one render is announced once.
 */
export async function generateVariants(body: unknown, ctx: JobContext): Promise<void> {
  const parsed = GenerateVariantsMessage.safeParse(body);
  if (!parsed.success) {
    // A malformed message will never succeed: log it rather than retry it into the dead-letter queue.
    ctx.logger.error('invalid variants message', { body });
    return;
  }
  const message = parsed.data;
  const image = await ctx.db
    .select()
    .from(images)
    .where(and(eq(images.id, message.imageId), eq(images.ownerId, message.ownerId), isNull(images.deletedAt)))
    .get();
  // The original from R2, or from the owner's bucket (bring your own storage); renditions go to R2.
  const originals = image
    ? await originalsOf(
        { db: ctx.db, bucket: ctx.env.IMAGES_BUCKET, settings: backupSettingsOf(ctx.config) },
        image,
      )
    : ctx.env.IMAGES_BUCKET;
  if (image?.isEncrypted && image.status === 'ready') {
    // Encrypted: only the preset renditions, stored encrypted; never the clear variants below.
    const engine = engineNameFor(ctx.config.IMAGE_ENGINE, ctx.env.IMAGES);
    const deps = {
      db: ctx.db,
      config: ctx.config,
      bucket: ctx.env.IMAGES_BUCKET,
      originals,
      images: ctx.env.IMAGES,
      engine,
    };
    const result = await renderEncryptedRenditions(deps, image);
    ctx.logger.info('encrypted renditions rendered', { imageId: image.id, ...result });
    return;
  }
  if (!image || image.status !== 'ready' || image.contentType === 'image/svg+xml') {
    ctx.logger.info('nothing to render', { imageId: message.imageId, status: image?.status ?? 'missing' });
    return;
  }
  const enabled = ctx.config.ALLOWED_VARIANTS ?? VARIANT_NAMES;
  const presets = (message.variants ?? enabled).filter(
    (name): name is VariantName => isVariantName(name) && enabled.includes(name),
  );
  const engineName = engineNameFor(ctx.config.IMAGE_ENGINE, ctx.env.IMAGES);
  if (engineName === 'passthrough') return;
  const rows = await ctx.db
    .select({
      name: imageVariants.name,
      variantKey: imageVariants.variantKey,
      format: imageVariants.format,
      status: imageVariants.status,
    })
    .from(imageVariants)
    .where(eq(imageVariants.imageId, image.id));
  const ready = new Set(
    rows.filter((row) => row.status === 'ready').map((row) => `${row.variantKey}.${row.format}`),
  );
  let engine: ImageEngine | undefined;
  try {
    const colors = await ensureColors(
      {
        db: ctx.db,
        bucket: originals,
        imageEngine: async () => (engine ??= await loadEngine(engineName, ctx.env.IMAGES)),
      },
      image,
    );
    if (colors === 'computed') ctx.logger.info('colours computed', { imageId: image.id });
  } catch (error) {
    // Colours only add to an image: a source the engine cannot sample still gets its variants.
    ctx.logger.warn('colours not computed', { imageId: image.id, error: String(error) });
  }
  const written: { spec: VariantSpec; facts: StoredVariantFacts; rendered: boolean }[] = [];
  // The album's forced transform (a watermark) applies to every public preset, as the CDN resolves them.
  const album = image.albumId
    ? await ctx.db
        .select({ forcedTransform: albums.forcedTransform })
        .from(albums)
        .where(and(eq(albums.id, image.albumId), eq(albums.ownerId, image.ownerId)))
        .get()
    : undefined;
  const source = { ...image, forcedTransform: album?.forcedTransform ?? null };
  for (const preset of presets) {
    // What the CDN resolves for a browser accepting each eager format, so the CDN finds these stored.
    const specs = await Promise.all(
      EAGER_VARIANT_FORMATS.map((accept) =>
        resolveVariant(ctx.db, source, { preset }, { accept, engine: engineName }),
      ),
    );
    const formats = new Map(specs.map((spec) => [spec.format, spec]));
    for (const spec of formats.values()) {
      if (ready.has(`${spec.key}.${spec.format}`)) continue;
      const stored = await storedVariantFacts(ctx.env.IMAGES_BUCKET, image, spec);
      if (stored) {
        written.push({ spec, facts: stored, rendered: false });
        continue;
      }
      engine ??= await loadEngine(engineName, ctx.env.IMAGES);
      const { facts } = await renderToStorage(
        {
          bucket: ctx.env.IMAGES_BUCKET,
          engine,
          originals,
          watermarkOriginals: (watermark) =>
            originalsOf(
              { db: ctx.db, bucket: ctx.env.IMAGES_BUCKET, settings: backupSettingsOf(ctx.config) },
              watermark,
            ),
        },
        image,
        spec,
      );
      written.push({ spec, facts, rendered: true });
    }
  }
  const [first, ...rest] = written;
  if (!first) return;
  const variants = new Set([
    ...rows.filter((row) => row.status === 'ready').map((row) => `${row.name}.${row.format}`),
    ...written.map(({ spec }) => `${spec.name}.${spec.format}`),
  ]);
  const view = await ownerImageView(ctx.db, image.ownerId, signingDepsOf(ctx.env, ctx.config));
  const upsert = (entry: (typeof written)[number]) =>
    variantRowUpsert(ctx.db, image, entry.spec, entry.facts);
  await ctx.db.batch([
    upsert(first),
    ...rest.map(upsert),
    outboxInsert(ctx.db, image.ownerId, 'image.variants_ready', {
      ...(await toOneImageResource(ctx.db, image, view)),
      variants: [...variants].sort(),
    }),
  ]);
  ctx.logger.info('variants rendered', {
    imageId: image.id,
    rendered: written.filter((entry) => entry.rendered).map(({ spec }) => `${spec.name}.${spec.format}`),
    recovered: written.filter((entry) => !entry.rendered).map(({ spec }) => `${spec.name}.${spec.format}`),
  });
}
