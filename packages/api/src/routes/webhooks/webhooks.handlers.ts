import type { RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../../lib/types';
import { principalOf } from '../../middleware/auth';
import { listDeliveries, redeliver, sendTestPing } from '../../services/webhooks/deliveries';
import {
  createWebhook,
  deleteWebhook,
  findWebhook,
  listWebhooks,
  rotateWebhookSecret,
  toWebhook,
  updateWebhook,
  type WebhookSettings,
} from '../../services/webhooks/manage';
import type {
  createWebhookRoute,
  deleteWebhookRoute,
  getWebhookRoute,
  listDeliveriesRoute,
  listWebhooksRoute,
  redeliverRoute,
  rotateWebhookSecretRoute,
  testWebhookRoute,
  updateWebhookRoute,
} from './webhooks.routes';

function settingsOf(c: Context<AppEnv>): WebhookSettings {
  const config = c.get('config');
  return {
    encryptionKey: config.ENCRYPTION_KEY ?? config.AUTH_SECRET,
    allowPrivateTargets: config.ALLOW_PRIVATE_WEBHOOK_TARGETS,
  };
}

export const createWebhookHandler: RouteHandler<typeof createWebhookRoute, AppEnv> = async (c) => {
  const created = await createWebhook(c.get('db'), settingsOf(c), principalOf(c).userId, c.req.valid('json'));
  c.set('audit', {
    action: 'webhook.create',
    resourceType: 'webhook',
    resourceId: created.id,
    metadata: { url: created.url, events: created.events },
  });
  return c.json(created, 201);
};

export const listWebhooksHandler: RouteHandler<typeof listWebhooksRoute, AppEnv> = async (c) => {
  return c.json({ data: await listWebhooks(c.get('db'), principalOf(c).userId) }, 200);
};

export const getWebhookHandler: RouteHandler<typeof getWebhookRoute, AppEnv> = async (c) => {
  const row = await findWebhook(c.get('db'), principalOf(c).userId, c.req.valid('param').id);
  return c.json(toWebhook(row), 200);
};

export const updateWebhookHandler: RouteHandler<typeof updateWebhookRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const updated = await updateWebhook(
    c.get('db'),
    settingsOf(c),
    principalOf(c).userId,
    id,
    c.req.valid('json'),
  );
  c.set('audit', { action: 'webhook.update', resourceType: 'webhook', resourceId: id });
  return c.json(updated, 200);
};

export const deleteWebhookHandler: RouteHandler<typeof deleteWebhookRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  await deleteWebhook(c.get('db'), principalOf(c).userId, id);
  c.set('audit', { action: 'webhook.delete', resourceType: 'webhook', resourceId: id });
  return c.body(null, 204);
};

export const rotateWebhookSecretHandler: RouteHandler<typeof rotateWebhookSecretRoute, AppEnv> = async (
  c,
) => {
  const { id } = c.req.valid('param');
  const rotated = await rotateWebhookSecret(c.get('db'), settingsOf(c), principalOf(c).userId, id);
  c.set('audit', { action: 'webhook.rotate_secret', resourceType: 'webhook', resourceId: id });
  return c.json(rotated, 200);
};

export const listDeliveriesHandler: RouteHandler<typeof listDeliveriesRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  return c.json({ data: await listDeliveries(c.get('db'), principalOf(c).userId, id) }, 200);
};

export const redeliverHandler: RouteHandler<typeof redeliverRoute, AppEnv> = async (c) => {
  const { id, deliveryId } = c.req.valid('param');
  const delivery = await redeliver(c.get('db'), settingsOf(c), principalOf(c).userId, id, deliveryId);
  c.set('audit', {
    action: 'webhook.redeliver',
    resourceType: 'webhook',
    resourceId: id,
    metadata: { eventId: delivery.event_id },
  });
  return c.json(delivery, 200);
};

export const testWebhookHandler: RouteHandler<typeof testWebhookRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const delivery = await sendTestPing(c.get('db'), settingsOf(c), principalOf(c).userId, id);
  c.set('audit', { action: 'webhook.test', resourceType: 'webhook', resourceId: id });
  return c.json(delivery, 200);
};
