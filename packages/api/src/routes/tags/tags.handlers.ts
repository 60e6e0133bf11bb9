import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../lib/types';
import { principalOf } from '../../middleware/auth';
import { listTagsWithCounts, mergeTags, renameTag } from '../../services/tags/tags';
import type { listTagsRoute, mergeTagRoute, renameTagRoute } from './tags.routes';

export const listTagsHandler: RouteHandler<typeof listTagsRoute, AppEnv> = async (c) => {
  return c.json({ data: await listTagsWithCounts(c.get('db'), principalOf(c).userId) }, 200);
};

export const renameTagHandler: RouteHandler<typeof renameTagRoute, AppEnv> = async (c) => {
  const { name } = c.req.valid('param');
  await renameTag(
    c.get('db'),
    principalOf(c).userId,
    name.toLowerCase(),
    c.req.valid('json').name,
    c.env.VARIANTS_QUEUE,
  );
  c.set('audit', { action: 'tag.rename', resourceType: 'tag', resourceId: name });
  return c.body(null, 204);
};

export const mergeTagHandler: RouteHandler<typeof mergeTagRoute, AppEnv> = async (c) => {
  const { name } = c.req.valid('param');
  await mergeTags(
    c.get('db'),
    principalOf(c).userId,
    name.toLowerCase(),
    c.req.valid('json').into,
    c.env.VARIANTS_QUEUE,
  );
  c.set('audit', { action: 'tag.merge', resourceType: 'tag', resourceId: name });
  return c.body(null, 204);
};
