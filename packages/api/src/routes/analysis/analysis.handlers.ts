import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../lib/types';
import { principalOf } from '../../middleware/auth';
import { analysisOf, requestAnalysis } from '../../services/analysis/resource';
import { findImage } from '../../services/images/resource';
import { AppError } from '../../lib/errors';
import { sendVariantsMessage } from '../../jobs/messages';
import type { analyzeImageRoute, backfillAnalysisRoute, getAnalysisRoute } from './analysis.routes';

export const getAnalysisHandler: RouteHandler<typeof getAnalysisRoute, AppEnv> = async (c) => {
  const image = await findImage(c.get('db'), principalOf(c).userId, c.req.valid('param').id);
  return c.json(await analysisOf(c.get('db'), image), 200);
};

export const analyzeImageHandler: RouteHandler<typeof analyzeImageRoute, AppEnv> = async (c) => {
  const image = await findImage(c.get('db'), principalOf(c).userId, c.req.valid('param').id);
  await requestAnalysis(c.env.VARIANTS_QUEUE, image);
  c.set('audit', { action: 'image.analyze', resourceType: 'image', resourceId: image.id });
  return c.json(await analysisOf(c.get('db'), image), 202);
};

export const backfillAnalysisHandler: RouteHandler<typeof backfillAnalysisRoute, AppEnv> = async (c) => {
  const ownerId = principalOf(c).userId;
  try {
    await sendVariantsMessage(c.env.VARIANTS_QUEUE, { type: 'backfill-analysis', ownerId });
  } catch {
    throw new AppError(503, 'SERVICE_UNAVAILABLE', 'The backfill could not be queued; ask again');
  }
  c.set('audit', { action: 'image.analysis_backfill', resourceType: 'user', resourceId: ownerId });
  return c.json({ queued: true as const, engine: c.get('config').AI_ENGINE }, 202);
};
