import { engineNameFor, loadEngine } from '../engines/select';
import { aiEngineFor } from '../services/ai/select';
import { analyzeImage } from '../services/analysis/analyze';
import { vectorIndexFor } from '../services/vectors/select';
import type { JobContext } from './context';
import type { AnalyzeImageMessage } from './messages';

/** Runs an image's analysis; throwing (an engine or binding failure) retries the message. */
export async function analyzeImageJob(message: AnalyzeImageMessage, ctx: JobContext): Promise<void> {
  const engineName = engineNameFor(ctx.config.IMAGE_ENGINE, ctx.env.IMAGES);
  const outcome = await analyzeImage(
    {
      db: ctx.db,
      bucket: ctx.env.IMAGES_BUCKET,
      imageEngine: async () => (engineName === 'passthrough' ? null : loadEngine(engineName, ctx.env.IMAGES)),
      ai: aiEngineFor(ctx.config, ctx.env.AI),
      vectors: vectorIndexFor(ctx.config, ctx.env.VECTORIZE),
    },
    message,
    { force: message.force },
  );
  ctx.logger.info('image analysed', { imageId: message.imageId, ...outcome });
}
