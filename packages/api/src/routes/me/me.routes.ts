import { createRoute } from '@hono/zod-openapi';
import {
  AccountDeletionSchema,
  AccountDeletionStatusSchema,
  ProfileSchema,
  ProfileUpdateSchema,
} from '@pixelflare/shared';
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

export const deleteMeRoute = createRoute({
  method: 'delete',
  path: '/me',
  operationId: 'deleteMe',
  tags: ['Account'],
  summary: 'Delete your account and everything in it (needs keys:manage)',
  description:
    'Confirmed by typing your owner name. At once the account is disabled and its API keys deleted; then, in the ' +
    'background, every image, rendition, cached CDN answer, album, tag, key, webhook, custom domain and row of ' +
    'the account goes, then the account. Backups in a bucket of your own are left there.',
  security,
  middleware: [requireScope('keys:manage')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: AccountDeletionSchema } } } },
  responses: {
    202: {
      description: 'Deletion started',
      content: { 'application/json': { schema: AccountDeletionStatusSchema } },
    },
    400: error('The confirmation does not match your owner name'),
    401: error('Not authenticated'),
    403: error('Missing scope'),
    503: error('The deletion could not be queued; the account is disabled, ask again'),
  },
});
