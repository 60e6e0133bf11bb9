import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../lib/types';
import { principalOf } from '../../middleware/auth';
import { createS3AccessKey, listS3AccessKeys, revokeS3AccessKey } from '../../services/s3/access-keys';
import type { createS3KeyRoute, listS3KeysRoute, revokeS3KeyRoute } from './s3-keys.routes';

export const createS3KeyHandler: RouteHandler<typeof createS3KeyRoute, AppEnv> = async (c) => {
  const principal = principalOf(c);
  const body = c.req.valid('json');
  const config = c.get('config');
  const created = await createS3AccessKey(c.get('db'), config.ENCRYPTION_KEY ?? config.AUTH_SECRET, {
    ownerId: principal.userId,
    grantorScopes: principal.scopes,
    name: body.name,
    scope: body.scope,
  });
  c.set('audit', {
    action: 's3_key.create',
    resourceType: 's3_key',
    resourceId: created.id,
    metadata: { name: created.name, scope: created.scope, access_key_id: created.access_key_id },
  });
  return c.json(
    {
      ...created,
      endpoint: `${config.PUBLIC_API_URL.replace(/\/$/, '')}/s3`,
      bucket: principal.ownerSlug,
    },
    201,
  );
};

export const listS3KeysHandler: RouteHandler<typeof listS3KeysRoute, AppEnv> = async (c) => {
  return c.json({ data: await listS3AccessKeys(c.get('db'), principalOf(c).userId) }, 200);
};

export const revokeS3KeyHandler: RouteHandler<typeof revokeS3KeyRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  await revokeS3AccessKey(c.get('db'), principalOf(c).userId, id);
  c.set('audit', { action: 's3_key.revoke', resourceType: 's3_key', resourceId: id });
  return c.body(null, 204);
};
