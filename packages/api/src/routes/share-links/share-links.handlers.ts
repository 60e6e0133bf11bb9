import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../lib/types';
import { principalOf } from '../../middleware/auth';
import {
  createShareLink,
  getShareLink,
  listShareLinks,
  revokeShareLink,
} from '../../services/share-links/share-links';
import type {
  createShareLinkRoute,
  deleteShareLinkRoute,
  getShareLinkRoute,
  listShareLinksRoute,
} from './share-links.routes';

export const createShareLinkHandler: RouteHandler<typeof createShareLinkRoute, AppEnv> = async (c) => {
  const { resource, url } = await createShareLink(c.get('db'), {
    ownerId: principalOf(c).userId,
    publicUrl: c.get('config').PUBLIC_API_URL,
    body: c.req.valid('json'),
    now: Date.now(),
  });
  c.set('audit', { action: 'share_link.create', resourceType: 'share_link', resourceId: resource.id });
  return c.json({ ...resource, url }, 201);
};

export const listShareLinksHandler: RouteHandler<typeof listShareLinksRoute, AppEnv> = async (c) => {
  const { limit, cursor } = c.req.valid('query');
  const page = await listShareLinks(c.get('db'), principalOf(c).userId, { limit, cursor, now: Date.now() });
  return c.json(page, 200);
};

export const getShareLinkHandler: RouteHandler<typeof getShareLinkRoute, AppEnv> = async (c) => {
  const link = await getShareLink(c.get('db'), principalOf(c).userId, c.req.valid('param').id, Date.now());
  return c.json(link, 200);
};

export const deleteShareLinkHandler: RouteHandler<typeof deleteShareLinkRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  await revokeShareLink(c.get('db'), principalOf(c).userId, id, Date.now());
  c.set('audit', { action: 'share_link.revoke', resourceType: 'share_link', resourceId: id });
  return c.body(null, 204);
};
