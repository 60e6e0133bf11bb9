import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../lib/types';
import { principalOf } from '../../middleware/auth';
import {
  createWatermark,
  deleteWatermark,
  getWatermark,
  listWatermarks,
  replaceWatermark,
} from '../../services/watermarks/watermarks';
import type * as routes from './watermarks.routes';

export const listWatermarksHandler: RouteHandler<typeof routes.listWatermarks, AppEnv> = async (c) =>
  c.json({ data: await listWatermarks(c.get('db'), principalOf(c).userId) }, 200);

export const createWatermarkHandler: RouteHandler<typeof routes.createWatermark, AppEnv> = async (c) => {
  const created = await createWatermark(c.get('db'), principalOf(c).userId, c.req.valid('json'));
  c.set('audit', { action: 'watermark.create', resourceType: 'watermark', resourceId: created.id });
  return c.json(created, 201);
};

export const getWatermarkHandler: RouteHandler<typeof routes.getWatermark, AppEnv> = async (c) =>
  c.json(await getWatermark(c.get('db'), principalOf(c).userId, c.req.valid('param').name), 200);

export const replaceWatermarkHandler: RouteHandler<typeof routes.replaceWatermark, AppEnv> = async (c) => {
  const replaced = await replaceWatermark(
    { db: c.get('db'), variantsQueue: c.env.VARIANTS_QUEUE },
    principalOf(c).userId,
    c.req.valid('param').name,
    c.req.valid('json').image_id,
  );
  c.set('audit', { action: 'watermark.replace', resourceType: 'watermark', resourceId: replaced.id });
  return c.json(replaced, 200);
};

export const deleteWatermarkHandler: RouteHandler<typeof routes.deleteWatermark, AppEnv> = async (c) => {
  const id = await deleteWatermark(c.get('db'), principalOf(c).userId, c.req.valid('param').name);
  c.set('audit', { action: 'watermark.delete', resourceType: 'watermark', resourceId: id });
  return c.body(null, 204);
};
