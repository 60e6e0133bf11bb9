import { createRouter } from '../../lib/create-router';
import {
  createWebhookHandler,
  deleteWebhookHandler,
  getWebhookHandler,
  listWebhooksHandler,
  rotateWebhookSecretHandler,
  updateWebhookHandler,
} from './webhooks.handlers';
import {
  createWebhookRoute,
  deleteWebhookRoute,
  getWebhookRoute,
  listWebhooksRoute,
  rotateWebhookSecretRoute,
  updateWebhookRoute,
} from './webhooks.routes';

export const webhooksRouter = createRouter()
  .openapi(createWebhookRoute, createWebhookHandler)
  .openapi(listWebhooksRoute, listWebhooksHandler)
  .openapi(getWebhookRoute, getWebhookHandler)
  .openapi(updateWebhookRoute, updateWebhookHandler)
  .openapi(deleteWebhookRoute, deleteWebhookHandler)
  .openapi(rotateWebhookSecretRoute, rotateWebhookSecretHandler);
