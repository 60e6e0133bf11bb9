import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../lib/types';
import { principalOf } from '../../middleware/auth';
import {
  createNamedTransform,
  deleteNamedTransform,
  getNamedTransform,
  listNamedTransforms,
  updateNamedTransform,
} from '../../services/variants/named-transforms';
import type {
  createTransform,
  deleteTransform,
  getTransform,
  listTransforms,
  updateTransform,
} from './transforms.routes';

export const listTransformsHandler: RouteHandler<typeof listTransforms, AppEnv> = async (c) =>
  c.json({ data: await listNamedTransforms(c.get('db'), principalOf(c).userId) }, 200);

export const createTransformHandler: RouteHandler<typeof createTransform, AppEnv> = async (c) => {
  const created = await createNamedTransform(c.get('db'), principalOf(c).userId, c.req.valid('json'));
  c.set('audit', { action: 'transform.create', resourceType: 'transform', resourceId: created.id });
  return c.json(created, 201);
};

export const getTransformHandler: RouteHandler<typeof getTransform, AppEnv> = async (c) =>
  c.json(await getNamedTransform(c.get('db'), principalOf(c).userId, c.req.valid('param').name), 200);

export const updateTransformHandler: RouteHandler<typeof updateTransform, AppEnv> = async (c) => {
  const updated = await updateNamedTransform(
    { db: c.get('db'), variantsQueue: c.env.VARIANTS_QUEUE },
    principalOf(c).userId,
    c.req.valid('param').name,
    c.req.valid('json').params,
  );
  c.set('audit', { action: 'transform.update', resourceType: 'transform', resourceId: updated.id });
  return c.json(updated, 200);
};

export const deleteTransformHandler: RouteHandler<typeof deleteTransform, AppEnv> = async (c) => {
  const id = await deleteNamedTransform(c.get('db'), principalOf(c).userId, c.req.valid('param').name);
  c.set('audit', { action: 'transform.delete', resourceType: 'transform', resourceId: id });
  return c.body(null, 204);
};
