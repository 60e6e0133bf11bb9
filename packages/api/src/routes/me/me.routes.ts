import { createRoute } from '@hono/zod-openapi';
import { ProfileSchema, ProfileUpdateSchema } from '@pixelflare/shared';
import { requireAuthenticated, requireScope } from '../../middleware/auth';
import { errorResponse as error, BEARER_SECURITY as security } from '../../lib/openapi';

const profile = { description: 'Your profile', content: { 'application/json': { schema: ProfileSchema } } };

export const getMeRoute = createRoute({
  method: 'get',
  path: '/me',
  operationId: 'getMe',
  tags: ['Account'],
  summary: 'Your profile (any valid key)',
  security,
  middleware: [requireAuthenticated] as const,
  responses: { 200: profile, 401: error('Not authenticated') },
});

export const updateMeRoute = createRoute({
  method: 'patch',
  path: '/me',
  operationId: 'updateMe',
  tags: ['Account'],
  summary: 'Update your profile (needs keys:manage, the account scope)',
  security,
  middleware: [requireScope('keys:manage')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: ProfileUpdateSchema } } } },
  responses: {
    200: profile,
    400: error('Invalid input'),
    401: error('Not authenticated'),
    403: error('Missing scope'),
  },
});
