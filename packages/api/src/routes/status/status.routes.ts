import { createRoute } from '@hono/zod-openapi';
import { ErrorBodySchema, StatusSchema } from '@pixelflare/shared';
import { PUBLIC_SECURITY, RATE_LIMITED } from '../../lib/openapi';

export const getStatus = createRoute({
  method: 'get',
  path: '/status',
  operationId: 'getStatus',
  tags: ['Status'],
  summary: 'Health of the API and its storage',
  description:
    'Checks D1, R2 and KV, each with its latency, and names the release and commit deployed. Used by health ' +
    'checks: 200 when all answer, 503 naming the one that failed.',
  security: PUBLIC_SECURITY,
  responses: {
    200: { description: 'Everything answers', content: { 'application/json': { schema: StatusSchema } } },
    503: { description: 'A dependency failed', content: { 'application/json': { schema: StatusSchema } } },
    ...RATE_LIMITED,
    500: { description: 'Unexpected error', content: { 'application/json': { schema: ErrorBodySchema } } },
  },
});
