import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../lib/types';
import { principalOf } from '../../middleware/auth';
import { analysisOf, requestAnalysis } from '../../services/analysis/resource';
import { findImage } from '../../services/images/resource';
import type { analyzeImageRoute, getAnalysisRoute } from './analysis.routes';

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
