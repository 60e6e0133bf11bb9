import { auditLogs, type Database } from '@pixelflare/database';
import { pageOf, type AuditEntryView, type Page } from '@pixelflare/shared';
import { and, desc, eq, gte, lt, lte, type SQL } from 'drizzle-orm';

export interface AuditQuery {
  /** The tenant whose entries are read; `null` means every tenant (admins only: the caller checks). */
  ownerId: string | null;
  limit: number;
  cursor?: string;
  action?: string;
  resourceType?: string;
  resourceId?: string;
  outcome?: 'success' | 'failure';
  since?: Date;
  until?: Date;
}

type AuditRow = typeof auditLogs.$inferSelect;

function toView(row: AuditRow): AuditEntryView {
  return {
    id: row.id,
    owner_id: row.ownerId,
    actor: row.actor,
    action: row.action,
    resource_type: row.resourceType,
    resource_id: row.resourceId,
    outcome: row.outcome,
    ip: row.ip,
    user_agent: row.userAgent,
    request_id: row.requestId,
    metadata: row.metadata,
    created_at: row.createdAt.toISOString(),
  };
}

/** Newest first. Audit ids are time-ordered, so the cursor is simply the last id of the previous page. */
export async function listAuditEntries(db: Database, query: AuditQuery): Promise<Page<AuditEntryView>> {
  const conditions: (SQL | undefined)[] = [
    query.ownerId === null ? undefined : eq(auditLogs.ownerId, query.ownerId),
    query.cursor ? lt(auditLogs.id, query.cursor) : undefined,
    query.action ? eq(auditLogs.action, query.action) : undefined,
    query.resourceType ? eq(auditLogs.resourceType, query.resourceType) : undefined,
    query.resourceId ? eq(auditLogs.resourceId, query.resourceId) : undefined,
    query.outcome ? eq(auditLogs.outcome, query.outcome) : undefined,
    query.since ? gte(auditLogs.createdAt, query.since) : undefined,
    query.until ? lte(auditLogs.createdAt, query.until) : undefined,
  ];
  const rows = await db
    .select()
    .from(auditLogs)
    .where(and(...conditions))
    .orderBy(desc(auditLogs.id))
    .limit(query.limit + 1);
  return pageOf(rows.map(toView), query.limit, (last) => last.id);
}
