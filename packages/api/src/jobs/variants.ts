import { EAGER_VARIANT_FORMATS, VARIANT_NAMES, isVariantName, type VariantName } from '@pixelflare/config';
import { imageVariants, images } from '@pixelflare/database';
import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { layoutFor } from '../engines/geometry';
import { ENGINE_OUTPUT_FORMATS, engineNameFor, loadEngine } from '../engines/select';
import type { ImageEngine } from '../engines/types';
import { outboxInsert } from '../services/events/outbox';
import { cdnBaseOf, ownerImageView, toOneImageResource } from '../services/images/resource';
import { presetInput, resolveVariantTransform, variantKeyOf } from '../services/variants/keys';
import { chooseOutputFormat } from '../services/variants/negotiate';
import { getStoredVariant, renderVariant, type VariantSpec } from '../services/variants/render';
import type { JobContext } from './queues';

/** Sent by the upload routes once an original is stored. */
export const GenerateVariantsMessage = z.object({
  type: z.literal('generate'),
  imageId: z.string().min(1),
  ownerId: z.string().min(1),
  /** Preset names; the enabled presets when absent. */
  variants: z.array(z.string()).optional(),
});
export type GenerateVariantsMessage = z.infer<typeof GenerateVariantsMessage>;

/**
 * Renders an image's presets ahead of the first request, in the formats browsers are most likely to ask for.
 * Idempotent: a variant already stored is skipped, so a redelivered message does no work twice. Emits
 * `image.variants_ready` (the image resource plus every ready variant) when it rendered anything. Throwing
 * retries the message (then the dead-letter queue).
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
  let engine: ImageEngine | undefined;
  const rendered: string[] = [];
  for (const preset of presets) {
    const transform = resolveVariantTransform(presetInput(preset));
    const key = await variantKeyOf(transform);
    const outputWidth = layoutFor(image, transform).canvas.width;
    const formats = new Set(
      EAGER_VARIANT_FORMATS.map((requested) =>
        chooseOutputFormat({
          requested,
          accept: 'avif',
          sourceType: image.contentType,
          outputWidth,
          engineFormats: ENGINE_OUTPUT_FORMATS[engineName],
        }),
      ),
    );
    for (const format of formats) {
      const spec: VariantSpec = { name: preset, key, transform, format };
      if (await getStoredVariant(ctx.env.IMAGES_BUCKET, image, spec)) continue;
      engine ??= await loadEngine(engineName, ctx.env.IMAGES);
      await renderVariant({ db: ctx.db, bucket: ctx.env.IMAGES_BUCKET, engine }, image, spec);
      rendered.push(`${preset}.${format}`);
    }
  }
  if (rendered.length === 0) return;
  const ready = await ctx.db
    .select({ name: imageVariants.name, format: imageVariants.format })
    .from(imageVariants)
    .where(and(eq(imageVariants.imageId, image.id), eq(imageVariants.status, 'ready')));
  const view = await ownerImageView(ctx.db, image.ownerId, cdnBaseOf(ctx.config));
  await outboxInsert(ctx.db, image.ownerId, 'image.variants_ready', {
    ...(await toOneImageResource(ctx.db, image, view)),
    variants: ready.map((row) => `${row.name}.${row.format}`).sort(),
  });
  ctx.logger.info('variants rendered', { imageId: image.id, rendered });
}
