import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../lib/types';
import { principalOf } from '../../middleware/auth';
import { getProfile, updateProfile } from '../../services/users/users';
import type { getMeRoute, updateMeRoute } from './me.routes';

export const getMeHandler: RouteHandler<typeof getMeRoute, AppEnv> = async (c) => {
  return c.json(await getProfile(c.get('db'), principalOf(c).userId), 200);
};

export const updateMeHandler: RouteHandler<typeof updateMeRoute, AppEnv> = async (c) => {
  const userId = principalOf(c).userId;
  const update = c.req.valid('json');
  const profile = await updateProfile(c.get('db'), userId, update);
  c.set('audit', {
    action: 'user.update_profile',
    resourceType: 'user',
    resourceId: userId,
    metadata: { fields: Object.keys(update) },
  });
  return c.json(profile, 200);
};
