import type { RouteHandler } from '@hono/zod-openapi';
import { AppError } from '../../lib/errors';
import type { AppEnv } from '../../lib/types';
import { principalOf } from '../../middleware/auth';
import { listAuditEntries } from '../../services/audit/query';
import type { listAuditLogRoute } from './audit-log.routes';

export const listAuditLogHandler: RouteHandler<typeof listAuditLogRoute, AppEnv> = async (c) => {
  const principal = principalOf(c);
  const query = c.req.valid('query');
  const everyone = query.all === 'true';
  if (everyone && !(principal.isAdmin && principal.scopes.has('admin'))) {
    throw new AppError(403, 'FORBIDDEN', 'Only administrators may read every tenant’s audit log');
  }
  const page = await listAuditEntries(c.get('db'), {
    ownerId: everyone ? null : principal.userId,
    limit: query.limit,
    cursor: query.cursor,
    action: query.action,
    resourceType: query.resource_type,
    resourceId: query.resource_id,
    outcome: query.outcome,
    since: query.since ? new Date(query.since) : undefined,
    until: query.until ? new Date(query.until) : undefined,
  });
  return c.json(page, 200);
};
