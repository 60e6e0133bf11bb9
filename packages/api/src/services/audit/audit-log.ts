import { auditLogs, type Database } from '@pixelflare/database';
import type { AuditOutcome } from '@pixelflare/database';
import { newId } from '../../lib/ids';

export interface AuditEntry {
  ownerId: string | null;
  actor: string;
  action: string;
  outcome: AuditOutcome;
  resourceType?: string | null;
  resourceId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
  metadata?: Record<string, unknown> | null;
}

export async function recordAudit(db: Database, entry: AuditEntry): Promise<void> {
  await db.insert(auditLogs).values({ id: newId('aud'), ...entry });
}
