import { createRoute } from '@hono/zod-openapi';
import { CreateCustomDomainSchema, CustomDomainSchema } from '@pixelflare/shared';
import { requireScope } from '../../middleware/auth';
import {
  errorResponse as error,
  jsonResponse,
  AUTHED_ERRORS as common,
  BEARER_SECURITY as security,
} from '../../lib/openapi';

const tags = ['Custom domain'];
const domain = (description: string) => jsonResponse(CustomDomainSchema, description);
const disabled = error('No custom domain, or `FEATURE_DISABLED` when the server has custom domains off');
const cloudflareDown = error('Cloudflare is unavailable or rate limiting (`Retry-After`)');

export const createCustomDomainRoute = createRoute({
  method: 'post',
  path: '/custom-domain',
  operationId: 'createCustomDomain',
  tags,
  summary: 'Add your custom domain: answers with the DNS records to create',
  security,
  middleware: [requireScope('keys:manage')] as const,
  request: {
    body: { required: true, content: { 'application/json': { schema: CreateCustomDomainSchema } } },
  },
  responses: {
    200: domain('This host name is already your domain (nothing changed)'),
    201: domain('Added: create the DNS records, verification runs on its own'),
    ...common,
    404: disabled,
    409: error('Claimed by another account, or your account already has a domain'),
    422: error('Cloudflare refused the host name'),
    503: cloudflareDown,
  },
});

export const getCustomDomainRoute = createRoute({
  method: 'get',
  path: '/custom-domain',
  operationId: 'getCustomDomain',
  tags,
  summary: 'Your custom domain and its verification state',
  security,
  middleware: [requireScope('keys:manage')] as const,
  responses: { 200: domain('Your custom domain'), ...common, 404: disabled },
});

export const deleteCustomDomainRoute = createRoute({
  method: 'delete',
  path: '/custom-domain',
  operationId: 'deleteCustomDomain',
  tags,
  summary: 'Remove your custom domain, at Cloudflare and here',
  security,
  middleware: [requireScope('keys:manage')] as const,
  responses: {
    200: domain('Removed (the last state)'),
    ...common,
    404: disabled,
    503: cloudflareDown,
  },
});

export const recheckCustomDomainRoute = createRoute({
  method: 'post',
  path: '/custom-domain/recheck',
  operationId: 'recheckCustomDomain',
  tags,
  summary: 'Restart verification of a pending, failed or timed-out domain',
  security,
  middleware: [requireScope('keys:manage')] as const,
  responses: {
    202: domain('Verification restarted'),
    ...common,
    404: disabled,
    409: error('Already active'),
  },
});
