import { z } from 'zod';
import { CursorPaginationQuery, IsoDateTime, paginated } from './common';

export const AuditEntrySchema = z
  .object({
    id: z.string(),
    owner_id: z.string().nullable(),
    actor: z.string().meta({ description: '`user:<id>`, `key:<id>`, `system` or `anonymous`' }),
    action: z.string().meta({ example: 'api_key.create' }),
    resource_type: z.string().nullable(),
    resource_id: z.string().nullable(),
    outcome: z.enum(['success', 'failure']),
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
    request_id: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()).nullable(),
    created_at: IsoDateTime,
  })
  .meta({ id: 'AuditEntry' });

export const AuditLogQuery = CursorPaginationQuery.extend({
  action: z.string().max(100).optional().meta({ description: 'Exact action, e.g. `api_key.create`' }),
  resource_type: z.string().max(50).optional(),
  resource_id: z.string().max(100).optional(),
  outcome: z.enum(['success', 'failure']).optional(),
  since: IsoDateTime.optional(),
  until: IsoDateTime.optional(),
  all: z
    .enum(['true', 'false'])
    .optional()
    .meta({ description: 'Admins only: every tenant and unowned events (failed sign-ins)' }),
});

export const AuditLogPageSchema = paginated(AuditEntrySchema, 'AuditLogPage');
export type AuditEntryView = z.infer<typeof AuditEntrySchema>;
