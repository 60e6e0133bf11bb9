import { createRoute } from '@hono/zod-openapi';
import {
  AdminPlanUpdateSchema,
  AdminUserIdParam,
  AdminUserListQuery,
  AdminUserListSchema,
  ProfileSchema,
} from '@pixelflare/shared';
import { requireAdmin } from '../../middleware/auth';
import { errorResponse as error, BEARER_SECURITY as security } from '../../lib/openapi';

const common = {
  400: error('Invalid input'),
  401: error('Not authenticated'),
  403: error('Not an administrator, or missing the admin scope'),
};

export const listUsersRoute = createRoute({
  method: 'get',
  path: '/admin/users',
  operationId: 'listUsers',
  tags: ['Admin'],
  summary: 'List every user (admins only)',
  security,
  middleware: [requireAdmin] as const,
  request: { query: AdminUserListQuery },
  responses: {
    200: {
      description: 'Users, oldest first',
      content: { 'application/json': { schema: AdminUserListSchema } },
    },
    ...common,
  },
});

export const setPlanRoute = createRoute({
  method: 'patch',
  path: '/admin/users/{id}/plan',
  operationId: 'setUserPlan',
  tags: ['Admin'],
  summary: "Set a user's plan (admins only)",
  security,
  middleware: [requireAdmin] as const,
  request: {
    params: AdminUserIdParam,
    body: { required: true, content: { 'application/json': { schema: AdminPlanUpdateSchema } } },
  },
  responses: {
    200: { description: 'The updated user', content: { 'application/json': { schema: ProfileSchema } } },
    ...common,
    404: error('No such user'),
  },
});
