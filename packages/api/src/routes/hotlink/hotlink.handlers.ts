import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../lib/types';
import { principalOf } from '../../middleware/auth';
import { getHotlinkSettings, updateHotlinkSettings } from '../../services/domains/hotlink';
import type { getHotlinkRoute, updateHotlinkRoute } from './hotlink.routes';

export const getHotlinkHandler: RouteHandler<typeof getHotlinkRoute, AppEnv> = async (c) =>
  c.json(await getHotlinkSettings(c.get('db'), principalOf(c).userId), 200);

export const updateHotlinkHandler: RouteHandler<typeof updateHotlinkRoute, AppEnv> = async (c) => {
  const principal = principalOf(c);
  const update = c.req.valid('json');
  const settings = await updateHotlinkSettings(
    c.get('db'),
    c.env.KV,
    { id: principal.userId, slug: principal.ownerSlug },
    update,
  );
  c.set('audit', {
    action: 'hotlink.update',
    resourceType: 'user',
    resourceId: principal.userId,
    metadata: { enabled: update.enabled, referrers: settings.allowed_referrers.length },
  });
  return c.json(settings, 200);
};
