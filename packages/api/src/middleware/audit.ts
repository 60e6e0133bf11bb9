import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { routePath } from 'hono/route';
import type { AppEnv } from '../lib/types';
import { recordAudit, type AuditEntry } from '../services/audit/audit-log';
import { clientIp } from './client-ip';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Writes an audit row for this request after the answer (`waitUntil`, so it never delays the caller), with
 * the request's IP, user agent and id. A failed write is logged, never surfaced to the caller.
 */
export function writeAudit(
  c: Context<AppEnv>,
  entry: Omit<AuditEntry, 'ip' | 'userAgent' | 'requestId'>,
): void {
  c.executionCtx.waitUntil(
    recordAudit(c.get('db'), {
      ...entry,
      ip: clientIp(c),
      userAgent: c.req.header('User-Agent') ?? null,
      requestId: c.get('requestId'),
    }).catch((error: unknown) => c.get('logger').error('audit write failed', { error: String(error) })),
  );
}

/**
 * Innermost layer of `/v1`: one audit row for every mutating request, successful or not. Handlers annotate it
 * (`c.set('audit', {...})`) with a precise action and resource; otherwise the method and route are recorded.
 */
export const auditLog = createMiddleware<AppEnv>(async (c, next) => {
  if (!MUTATING.has(c.req.method)) return next();
  await next();
  const annotation = c.get('audit');
  if (annotation?.skip) return;
  const principal = c.get('principal');
  writeAudit(c, {
    ownerId: annotation?.ownerId ?? principal?.userId ?? null,
    actor: principal
      ? principal.keyId
        ? `key:${principal.keyId}`
        : `user:${principal.userId}`
      : 'anonymous',
    action: annotation?.action ?? `${c.req.method} ${routePath(c, -1)}`,
    resourceType: annotation?.resourceType ?? null,
    resourceId: annotation?.resourceId ?? null,
    outcome: c.res.status < 400 ? 'success' : 'failure',
    metadata: { status: c.res.status, ...annotation?.metadata },
  });
});
