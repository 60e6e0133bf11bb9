import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../lib/types';
import { listUsers, setUserPlan } from '../../services/users/users';
import { bandwidthBlockKey } from '../../services/quotas/metering';
import type { listUsersRoute, setPlanRoute } from './admin.routes';

export const listUsersHandler: RouteHandler<typeof listUsersRoute, AppEnv> = async (c) => {
  return c.json(await listUsers(c.get('db'), c.req.valid('query')), 200);
};

export const setPlanHandler: RouteHandler<typeof setPlanRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const plan = c.req.valid('json').plan;
  const user = await setUserPlan(c.get('db'), id, plan);
  // A bandwidth block belongs to the old plan: lifted now (the next metering sets it again if still due).
  await c.env.KV.delete(bandwidthBlockKey(user.slug));
  // The row belongs in the affected user's trail too, not only the admin's.
  c.set('audit', {
    action: 'admin.set_plan',
    resourceType: 'user',
    resourceId: id,
    ownerId: id,
    metadata: { plan },
  });
  return c.json(user, 200);
};
