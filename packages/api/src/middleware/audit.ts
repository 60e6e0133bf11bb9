import { createMiddleware } from 'hono/factory';
import { routePath } from 'hono/route';
import type { AppEnv } from '../lib/types';
import { recordAudit } from '../services/audit/audit-log';
import { clientIp } from './client-ip';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Innermost layer: one audit row for every mutating API request, successful or not. Handlers annotate it
 * (`c.set('audit', {...})`) with a precise action and resource; otherwise the method and route are recorded.
 * Written after the response with `waitUntil`, so it never delays the caller.
 */
export const auditLog = createMiddleware<AppEnv>(async (c, next) => {
  if (!MUTATING.has(c.req.method)) return next();
  await next();
  const annotation = c.get('audit');
  if (annotation?.skip) return;
  const principal = c.get('principal');
  c.executionCtx.waitUntil(
    recordAudit(c.get('db'), {
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
      ip: clientIp(c),
      userAgent: c.req.header('User-Agent') ?? null,
      requestId: c.get('requestId'),
      metadata: { status: c.res.status, ...annotation?.metadata },
    }).catch((error: unknown) => c.get('logger').error('audit write failed', { error: String(error) })),
  );
});
