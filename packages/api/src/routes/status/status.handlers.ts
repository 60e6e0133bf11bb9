import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../lib/types';
import { checkDependencies } from '../../services/status/health';
import type { getStatus } from './status.routes';

export const getStatusHandler: RouteHandler<typeof getStatus, AppEnv> = async (c) => {
  const { ENVIRONMENT, APP_VERSION, APP_COMMIT } = c.get('config');
  const status = await checkDependencies(c.env, {
    environment: ENVIRONMENT,
    version: APP_VERSION,
    commit: APP_COMMIT,
  });
  if (status.status !== 'ok') c.get('logger').warn('health check failed', { checks: status.checks });
  return c.json(status, status.status === 'ok' ? 200 : 503);
};
