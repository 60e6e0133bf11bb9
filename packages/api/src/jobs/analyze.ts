import { engineNameFor, loadEngine } from '../engines/select';
import { aiEngineFor } from '../services/ai/select';
import { analyzeImage, reembedImage } from '../services/analysis/analyze';
import { originalsOf } from '../services/backups/originals';
import { backupSettingsOf } from '../services/backups/settings';
import { backfillPage } from '../services/analysis/backfill';
import { vectorIndexFor } from '../services/vectors/select';
import type { JobContext } from './context';
import {
  sendVariantsMessage,
  sendVariantsMessages,
  type AnalyzeImageMessage,
  type BackfillAnalysisMessage,
  type EmbedImageMessage,
} from './messages';

/** Embeds an edited image's text again; throwing (an engine or index failure) retries the message. */
export async function embedImageJob(message: EmbedImageMessage, ctx: JobContext): Promise<void> {
  const outcome = await reembedImage(
    {
      db: ctx.db,
      ai: aiEngineFor(ctx.config, ctx.env.AI),
      vectors: vectorIndexFor(ctx.config, ctx.env.VECTORIZE),
    },
    message,
  );
  ctx.logger.info('image embedded again', { imageId: message.imageId, outcome });
}

/** Runs an image's analysis; throwing (an engine or binding failure) retries the message. */
export async function analyzeImageJob(message: AnalyzeImageMessage, ctx: JobContext): Promise<void> {
  const engineName = engineNameFor(ctx.config.IMAGE_ENGINE, ctx.env.IMAGES);
  const outcome = await analyzeImage(
    {
      db: ctx.db,
      bucket: ctx.env.IMAGES_BUCKET,
      // The original from R2, or from the owner's bucket (bring your own storage).
      originalsFor: (image) =>
        originalsOf(
          { db: ctx.db, bucket: ctx.env.IMAGES_BUCKET, settings: backupSettingsOf(ctx.config) },
          image,
        ),
      imageEngine: async () => (engineName === 'passthrough' ? null : loadEngine(engineName, ctx.env.IMAGES)),
      ai: aiEngineFor(ctx.config, ctx.env.AI),
      vectors: vectorIndexFor(ctx.config, ctx.env.VECTORIZE),
    },
    message,
    { force: message.force },
  );
  ctx.logger.info('image analysed', { imageId: message.imageId, ...outcome });
}

/** One page of an owner's backfill: its analyze messages, then the next page's message while more remain. */
export async function backfillAnalysisJob(message: BackfillAnalysisMessage, ctx: JobContext): Promise<void> {
  const vectors = vectorIndexFor(ctx.config, ctx.env.VECTORIZE);
  const outcome = await backfillPage(
    {
      db: ctx.db,
      vectorIndex: vectors?.name ?? null,
      send: (messages) => sendVariantsMessages(ctx.env.VARIANTS_QUEUE, messages),
    },
    message.ownerId,
    message.after,
  );
  if (outcome.next)
    await sendVariantsMessage(ctx.env.VARIANTS_QUEUE, {
      type: 'backfill-analysis',
      ownerId: message.ownerId,
      after: outcome.next,
    });
  ctx.logger.info('analysis backfill page', { ownerId: message.ownerId, ...outcome });
}
