import { createRoute } from '@hono/zod-openapi';
import {
  WebhookCreateSchema,
  WebhookDeliveryListSchema,
  WebhookDeliveryParams,
  WebhookDeliverySchema,
  WebhookIdParam,
  WebhookListSchema,
  WebhookSchema,
  WebhookUpdateSchema,
  WebhookWithSecretSchema,
} from '@pixelflare/shared';
import { requireScope } from '../../middleware/auth';
import {
  errorResponse as error,
  AUTHED_ERRORS as common,
  BEARER_SECURITY as security,
} from '../../lib/openapi';

const tags = ['Webhooks'];

export const createWebhookRoute = createRoute({
  method: 'post',
  path: '/webhooks',
  operationId: 'createWebhook',
  tags,
  summary: 'Create a webhook endpoint (the signing secret is shown once)',
  security,
  middleware: [requireScope('webhooks:manage')] as const,
  request: {
    body: { required: true, content: { 'application/json': { schema: WebhookCreateSchema } } },
  },
  responses: {
    201: {
      description: 'The new endpoint, with its signing secret',
      content: { 'application/json': { schema: WebhookWithSecretSchema } },
    },
    ...common,
  },
});

export const listWebhooksRoute = createRoute({
  method: 'get',
  path: '/webhooks',
  operationId: 'listWebhooks',
  tags,
  summary: 'List your webhook endpoints',
  security,
  middleware: [requireScope('webhooks:manage')] as const,
  responses: {
    200: {
      description: 'Your endpoints, newest first',
      content: { 'application/json': { schema: WebhookListSchema } },
    },
    ...common,
  },
});

export const getWebhookRoute = createRoute({
  method: 'get',
  path: '/webhooks/{id}',
  operationId: 'getWebhook',
  tags,
  summary: 'Get a webhook endpoint (including why it was disabled, if it was)',
  security,
  middleware: [requireScope('webhooks:manage')] as const,
  request: { params: WebhookIdParam },
  responses: {
    200: { description: 'The endpoint', content: { 'application/json': { schema: WebhookSchema } } },
    ...common,
    404: error('No such webhook'),
  },
});

export const updateWebhookRoute = createRoute({
  method: 'patch',
  path: '/webhooks/{id}',
  operationId: 'updateWebhook',
  tags,
  summary: 'Change a webhook endpoint',
  security,
  middleware: [requireScope('webhooks:manage')] as const,
  request: {
    params: WebhookIdParam,
    body: { required: true, content: { 'application/json': { schema: WebhookUpdateSchema } } },
  },
  responses: {
    200: { description: 'The endpoint', content: { 'application/json': { schema: WebhookSchema } } },
    ...common,
    404: error('No such webhook'),
  },
});

export const deleteWebhookRoute = createRoute({
  method: 'delete',
  path: '/webhooks/{id}',
  operationId: 'deleteWebhook',
  tags,
  summary: 'Delete a webhook endpoint and its delivery log',
  security,
  middleware: [requireScope('webhooks:manage')] as const,
  request: { params: WebhookIdParam },
  responses: { 204: { description: 'Deleted' }, ...common, 404: error('No such webhook') },
});

export const rotateWebhookSecretRoute = createRoute({
  method: 'post',
  path: '/webhooks/{id}/rotate-secret',
  operationId: 'rotateWebhookSecret',
  tags,
  summary: 'Rotate the signing secret (the old one stays valid for 24 hours)',
  security,
  middleware: [requireScope('webhooks:manage')] as const,
  request: { params: WebhookIdParam },
  responses: {
    200: {
      description: 'The endpoint with its new secret',
      content: { 'application/json': { schema: WebhookWithSecretSchema } },
    },
    ...common,
    404: error('No such webhook'),
  },
});

export const listDeliveriesRoute = createRoute({
  method: 'get',
  path: '/webhooks/{id}/deliveries',
  operationId: 'listWebhookDeliveries',
  tags,
  summary: 'Every delivery attempt (status, duration, response code, first bytes), newest first',
  security,
  middleware: [requireScope('webhooks:manage')] as const,
  request: { params: WebhookIdParam },
  responses: {
    200: {
      description: 'The latest 100 attempts',
      content: { 'application/json': { schema: WebhookDeliveryListSchema } },
    },
    ...common,
    404: error('No such webhook'),
  },
});

export const redeliverRoute = createRoute({
  method: 'post',
  path: '/webhooks/{id}/deliveries/{deliveryId}/redeliver',
  operationId: 'redeliverWebhookDelivery',
  tags,
  summary: 'Send a delivery’s event again, now',
  security,
  middleware: [requireScope('webhooks:manage')] as const,
  request: { params: WebhookDeliveryParams },
  responses: {
    200: {
      description: 'The new attempt',
      content: { 'application/json': { schema: WebhookDeliverySchema } },
    },
    ...common,
    404: error('No such webhook or delivery'),
    409: error('The event is no longer kept'),
  },
});

export const testWebhookRoute = createRoute({
  method: 'post',
  path: '/webhooks/{id}/test',
  operationId: 'testWebhook',
  tags,
  summary: 'Send a `ping` event now',
  security,
  middleware: [requireScope('webhooks:manage')] as const,
  request: { params: WebhookIdParam },
  responses: {
    200: {
      description: 'The attempt (a failed attempt is reported here, not as an error)',
      content: { 'application/json': { schema: WebhookDeliverySchema } },
    },
    ...common,
    404: error('No such webhook'),
  },
});
