import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../lib/types';
import { principalOf } from '../../middleware/auth';
import { createApiKey, listApiKeys, revokeApiKey } from '../../services/keys/manage';
import type { createKeyRoute, listKeysRoute, revokeKeyRoute } from './keys.routes';

export const createKeyHandler: RouteHandler<typeof createKeyRoute, AppEnv> = async (c) => {
  const principal = principalOf(c);
  const body = c.req.valid('json');
  const created = await createApiKey(c.get('db'), c.get('config').API_HASH_SECRET, {
    ownerId: principal.userId,
    grantorScopes: principal.scopes,
    name: body.name,
    scopes: body.scopes,
    expiresAt: body.expires_at ? new Date(body.expires_at) : undefined,
  });
  c.set('audit', {
    action: 'api_key.create',
    resourceType: 'api_key',
    resourceId: created.id,
    metadata: { name: created.name, scopes: created.scopes },
  });
  return c.json(created, 201);
};

export const listKeysHandler: RouteHandler<typeof listKeysRoute, AppEnv> = async (c) => {
  return c.json({ data: await listApiKeys(c.get('db'), principalOf(c).userId) }, 200);
};

export const revokeKeyHandler: RouteHandler<typeof revokeKeyRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  await revokeApiKey(c.get('db'), principalOf(c).userId, id);
  c.set('audit', { action: 'api_key.revoke', resourceType: 'api_key', resourceId: id });
  return c.body(null, 204);
};
