import { createRoute } from '@hono/zod-openapi';
import { ApiKeyCreatedSchema, ApiKeyCreateSchema, ApiKeyIdParam, ApiKeyListSchema } from '@pixelflare/shared';
import { TURNSTILE_ACTIONS } from '@pixelflare/config';
import { requireScope } from '../../middleware/auth';
import { requireTurnstile } from '../../middleware/turnstile';
import {
  errorResponse as error,
  AUTHED_ERRORS as common,
  BEARER_SECURITY as security,
} from '../../lib/openapi';

export const createKeyRoute = createRoute({
  method: 'post',
  path: '/keys',
  operationId: 'createKey',
  tags: ['API keys'],
  summary: 'Create an API key (the secret is shown once)',
  security,
  middleware: [requireScope('keys:manage'), requireTurnstile(TURNSTILE_ACTIONS.apiKey)] as const,
  request: {
    body: { required: true, content: { 'application/json': { schema: ApiKeyCreateSchema } } },
  },
  responses: {
    201: {
      description: 'The new key, with its secret',
      content: { 'application/json': { schema: ApiKeyCreatedSchema } },
    },
    ...common,
  },
});

export const listKeysRoute = createRoute({
  method: 'get',
  path: '/keys',
  operationId: 'listKeys',
  tags: ['API keys'],
  summary: 'List your API keys (never their secrets)',
  security,
  middleware: [requireScope('keys:manage')] as const,
  responses: {
    200: {
      description: 'Your keys, newest first',
      content: { 'application/json': { schema: ApiKeyListSchema } },
    },
    ...common,
  },
});

export const revokeKeyRoute = createRoute({
  method: 'delete',
  path: '/keys/{id}',
  operationId: 'revokeKey',
  tags: ['API keys'],
  summary: 'Revoke an API key',
  security,
  middleware: [requireScope('keys:manage')] as const,
  request: { params: ApiKeyIdParam },
  responses: { 204: { description: 'Revoked' }, ...common, 404: error('No such key') },
});
