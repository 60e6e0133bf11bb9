import { REQUEST_ID_HEADER, REQUEST_ID_PATTERN } from '@pixelflare/config';
import { createDb } from '@pixelflare/database';
import { createMiddleware } from 'hono/factory';
import { loadEnv } from '../lib/env';
import { newId } from '../lib/ids';
import { createLogger } from '../lib/logger';
import type { AppEnv } from '../lib/types';

/**
 * First layer, for every request: request id (echoed as `X-Request-Id`), a request-scoped JSON logger, the
 * validated env (a problem becomes a 503 naming the variable) and the database client.
 */
export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const incoming = c.req.header(REQUEST_ID_HEADER);
  const requestId = incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : newId('req');
  c.set('requestId', requestId);
  c.set('logger', createLogger({ requestId }));
  c.set('principal', null);
  c.set('audit', undefined);
  try {
    c.set('config', loadEnv(c.env));
    c.set('db', createDb(c.env.DB));
    await next();
  } finally {
    c.header(REQUEST_ID_HEADER, requestId);
  }
});

/**
 * One JSON log line per request of an area, with its status and duration. `successes: false` logs failures
 * only: successful CDN answers are the hot path and are counted by analytics, and a log line each would cost
 * more than serving a cache hit.
 */
export function requestLog({ successes }: { successes: boolean }) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = Date.now();
    try {
      await next();
    } finally {
      if (successes || c.res.status >= 400) {
        c.get('logger').info('request', {
          method: c.req.method,
          path: c.req.path,
          status: c.res.status,
          durationMs: Date.now() - started,
          principal: c.get('principal')?.userId,
        });
      }
    }
  });
}
