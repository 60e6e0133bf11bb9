import type { RouteHandler } from '@hono/zod-openapi';
import { users } from '@pixelflare/database';
import { eq } from 'drizzle-orm';
import { notFound } from '../../lib/errors';
import type { AppEnv } from '../../lib/types';
import { principalOf } from '../../middleware/auth';
import { limitStripeDelivery } from '../../middleware/rate-limit';
import {
  applyStripeEvent,
  billingDepsFrom,
  billingStateOf,
  createCheckout,
  createPortal,
  verifyStripeEvent,
} from '../../services/billing/billing';
import type {
  createCheckoutRoute,
  createPortalRoute,
  getBillingRoute,
  stripeWebhookRoute,
} from './billing.routes';

async function callerOf(c: Parameters<RouteHandler<typeof getBillingRoute, AppEnv>>[0]) {
  const [user] = await c
    .get('db')
    .select()
    .from(users)
    .where(eq(users.id, principalOf(c).userId))
    .limit(1);
  if (!user) throw notFound('User');
  return user;
}

export const getBillingHandler: RouteHandler<typeof getBillingRoute, AppEnv> = async (c) => {
  await billingDepsFrom(c.get('config'));
  return c.json(billingStateOf(await callerOf(c)), 200);
};

export const createCheckoutHandler: RouteHandler<typeof createCheckoutRoute, AppEnv> = async (c) => {
  const deps = await billingDepsFrom(c.get('config'));
  const url = await createCheckout(deps, await callerOf(c), c.req.valid('json').plan);
  return c.json({ url }, 200);
};

export const createPortalHandler: RouteHandler<typeof createPortalRoute, AppEnv> = async (c) => {
  const deps = await billingDepsFrom(c.get('config'));
  return c.json({ url: await createPortal(deps, await callerOf(c)) }, 200);
};

export const stripeWebhookHandler: RouteHandler<typeof stripeWebhookRoute, AppEnv> = async (c) => {
  const deps = await billingDepsFrom(c.get('config'));
  const event = await verifyStripeEvent(deps, await c.req.text(), c.req.header('Stripe-Signature'));
  // Stripe sends bursts from a few addresses: verified deliveries draw from a bucket of their own.
  await limitStripeDelivery(c);
  const result = await applyStripeEvent(deps, c.get('db'), event);
  return c.json({ received: true as const, applied: result.applied }, 200);
};
