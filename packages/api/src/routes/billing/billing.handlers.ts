import type { RouteHandler } from '@hono/zod-openapi';
import { users } from '@pixelflare/database';
import { eq } from 'drizzle-orm';
import { notFound } from '../../lib/errors';
import type { AppEnv } from '../../lib/types';
import { principalOf } from '../../middleware/auth';
import {
  billingDepsFrom,
  billingStateOf,
  createCheckout,
  createPortal,
  handleStripeWebhook,
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
  const result = await handleStripeWebhook(
    deps,
    c.get('db'),
    await c.req.text(),
    c.req.header('Stripe-Signature'),
  );
  return c.json({ received: true as const, applied: result.applied }, 200);
};
