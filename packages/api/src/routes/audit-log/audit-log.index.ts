import { createRouter } from '../../lib/create-router';
import { listAuditLogHandler } from './audit-log.handlers';
import { listAuditLogRoute } from './audit-log.routes';

export const auditLogRouter = createRouter().openapi(listAuditLogRoute, listAuditLogHandler);
