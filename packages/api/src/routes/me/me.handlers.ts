import type { RouteHandler } from '@hono/zod-openapi';
import { API_SCOPES } from '@pixelflare/config';
import type { AppEnv, Principal } from '../../lib/types';
import { principalOf } from '../../middleware/auth';
import { sendVariantsMessage } from '../../jobs/messages';
import { AppError } from '../../lib/errors';
import { requestAccountDeletion } from '../../services/users/delete-account';
import { getProfile, updateProfile } from '../../services/users/users';
import type { deleteMeRoute, getMeRoute, updateMeRoute } from './me.routes';

/** The credential of the request, beside the profile: a client learns what its key may do without trying. */
const credentialOf = (principal: Principal) => ({
  via: principal.via,
  scopes: API_SCOPES.filter((scope) => principal.scopes.has(scope)),
});

export const getMeHandler: RouteHandler<typeof getMeRoute, AppEnv> = async (c) => {
  const principal = principalOf(c);
  return c.json(
    { ...(await getProfile(c.get('db'), principal.userId)), credential: credentialOf(principal) },
    200,
  );
};

export const updateMeHandler: RouteHandler<typeof updateMeRoute, AppEnv> = async (c) => {
  const userId = principalOf(c).userId;
  const update = c.req.valid('json');
  const profile = {
    ...(await updateProfile(c.get('db'), userId, update)),
    credential: credentialOf(principalOf(c)),
  };
  c.set('audit', {
    action: 'user.update_profile',
    resourceType: 'user',
    resourceId: userId,
    metadata: { fields: Object.keys(update) },
  });
  return c.json(profile, 200);
};

export const deleteMeHandler: RouteHandler<typeof deleteMeRoute, AppEnv> = async (c) => {
  const userId = principalOf(c).userId;
  const { slug } = await requestAccountDeletion(c.get('db'), userId, c.req.valid('json').confirm, (keyIds) =>
    sendVariantsMessage(c.env.VARIANTS_QUEUE, { type: 'delete-account', ownerId: userId, keyIds }).catch(
      () => {
        throw new AppError(
          503,
          'SERVICE_UNAVAILABLE',
          'The deletion could not be queued: nothing was deleted; ask again',
        );
      },
    ),
  );
  c.set('audit', {
    action: 'user.delete_account',
    resourceType: 'user',
    resourceId: userId,
    metadata: { slug },
  });
  return c.json(
    {
      status: 'deleting' as const,
      message: `The account ${slug} is disabled; its images and data are being deleted in the background.`,
    },
    202,
  );
};
