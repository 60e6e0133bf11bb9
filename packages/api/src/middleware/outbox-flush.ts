import { createMiddleware } from 'hono/factory';
import { describeError } from '../lib/logger';
import type { AppEnv } from '../lib/types';
import { dispatchOutbox } from '../services/events/dispatch';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * After a mutating API request, feeds the caller's pending outbox events to the webhooks queue without
 * delaying the answer. Anything missed here (a crash, a failed enqueue) is picked up by the cron sweep.
 */
export const outboxFlush = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (!MUTATING.has(c.req.method)) return;
  const principal = c.get('principal');
  if (!principal) return;
  const logger = c.get('logger');
  c.executionCtx.waitUntil(
    dispatchOutbox(c.get('db'), c.env.WEBHOOKS_QUEUE, principal.userId).catch((error: unknown) =>
      logger.warn('outbox dispatch failed; the sweep will retry', describeError(error)),
    ),
  );
});
