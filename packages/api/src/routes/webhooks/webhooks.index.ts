import { createRouter } from '../../lib/create-router';
import {
  createWebhookHandler,
  deleteWebhookHandler,
  getWebhookHandler,
  listDeliveriesHandler,
  listWebhooksHandler,
  redeliverHandler,
  testWebhookHandler,
  rotateWebhookSecretHandler,
  updateWebhookHandler,
} from './webhooks.handlers';
import {
  createWebhookRoute,
  deleteWebhookRoute,
  getWebhookRoute,
  listDeliveriesRoute,
  listWebhooksRoute,
  redeliverRoute,
  testWebhookRoute,
  rotateWebhookSecretRoute,
  updateWebhookRoute,
} from './webhooks.routes';

export const webhooksRouter = createRouter()
  .openapi(createWebhookRoute, createWebhookHandler)
  .openapi(listWebhooksRoute, listWebhooksHandler)
  .openapi(getWebhookRoute, getWebhookHandler)
  .openapi(updateWebhookRoute, updateWebhookHandler)
  .openapi(deleteWebhookRoute, deleteWebhookHandler)
  .openapi(rotateWebhookSecretRoute, rotateWebhookSecretHandler)
  .openapi(listDeliveriesRoute, listDeliveriesHandler)
  .openapi(redeliverRoute, redeliverHandler)
  .openapi(testWebhookRoute, testWebhookHandler);
