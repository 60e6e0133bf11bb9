import { createRoute } from '@hono/zod-openapi';
import { AuditLogPageSchema, AuditLogQuery } from '@pixelflare/shared';
import { requireScope } from '../../middleware/auth';
import { errorResponse as error } from '../../lib/openapi';

export const listAuditLogRoute = createRoute({
  method: 'get',
  path: '/audit-log',
  operationId: 'listAuditLog',
  tags: ['Account'],
  summary: 'Your audit trail, newest first (needs keys:manage, the account scope)',
  security: [{ bearerAuth: [] }],
  middleware: [requireScope('keys:manage')] as const,
  request: { query: AuditLogQuery },
  responses: {
    200: {
      description: 'A page of audit entries',
      content: { 'application/json': { schema: AuditLogPageSchema } },
    },
    400: error('Invalid input'),
    401: error('Not authenticated'),
    403: error('Missing scope, or `all=true` without being an administrator'),
  },
});
