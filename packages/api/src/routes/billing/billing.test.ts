import { PLANS } from '@pixelflare/config';
import { createDb, images, users } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import Stripe from 'stripe';
import { describe, expect, inject, it } from 'vitest';
import { STRIPE_TEST_SECRET_KEY, type StripeStandInRequest } from '../../../test/global-setup-stripe';
import { fetchWith } from '../../../test/fixtures/domain-helpers';
import { makePng, storeImage } from '../../../test/fixtures/cdn/images';
import { authed, BASE, call, createUser, errorOf, type TestUser } from '../../../test/helpers';
import type { Bindings } from '../../lib/env';

const standIn = inject('stripeStandIn');
const WEBHOOK_SECRET = 'whsec_test_standin_secret';
const PRICES = { starter: 'price_starter_test', pro: 'price_pro_test' };

const billing = {
  ...env,
  STRIPE_ENABLED: 'true',
  STRIPE_SECRET_KEY: STRIPE_TEST_SECRET_KEY,
  STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
  STRIPE_PRICE_STARTER: PRICES.starter,
  STRIPE_PRICE_PRO: PRICES.pro,
  STRIPE_API_BASE_URL: standIn,
} as Bindings;

const db = () => createDb(env.DB);
// The official package, used as a webhook sender would: its test-header helper signs with the endpoint's secret.
const stripe = new Stripe(STRIPE_TEST_SECRET_KEY, { httpClient: Stripe.createFetchHttpClient() });

const api = (user: TestUser, path: string, method = 'GET', body?: unknown) =>
  fetchWith(
    billing,
    `${BASE}/v1${path}`,
    authed(user.key, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
    }),
  );

async function deliver(event: object, options: { secret?: string; bindings?: Bindings } = {}) {
  const payload = JSON.stringify(event);
  const signature = await stripe.webhooks.generateTestHeaderStringAsync({
    payload,
    secret: options.secret ?? WEBHOOK_SECRET,
    cryptoProvider: Stripe.createSubtleCryptoProvider(),
  });
  return fetchWith(options.bindings ?? billing, `${BASE}/v1/billing/webhook`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
    body: payload,
  });
}

let counter = 0;
const eventId = () => `evt_test_${Date.now()}_${++counter}`;

const subscriptionEvent = (
  type: 'customer.subscription.created' | 'customer.subscription.updated' | 'customer.subscription.deleted',
  customer: string,
  fields: { status: string; price: string; periodEnd: number },
  id = eventId(),
) => ({
  id,
  object: 'event',
  type,
  api_version: '2025-01-27.acacia',
  created: Math.floor(Date.now() / 1000),
  data: {
    object: {
      id: `sub_${customer}`,
      object: 'subscription',
      customer,
      status: fields.status,
      items: {
        object: 'list',
        data: [
          {
            id: `si_${customer}`,
            object: 'subscription_item',
            price: { id: fields.price, object: 'price' },
            current_period_end: fields.periodEnd,
          },
        ],
      },
    },
  },
});

const checkoutCompleted = (user: TestUser, customer: string) => ({
  id: eventId(),
  object: 'event',
  type: 'checkout.session.completed',
  api_version: '2025-01-27.acacia',
  created: Math.floor(Date.now() / 1000),
  data: {
    object: {
      id: 'cs_test_done',
      object: 'checkout.session',
      client_reference_id: user.id,
      customer,
      metadata: { user_id: user.id, plan: 'pro' },
    },
  },
});

const userRow = async (id: string) => (await db().select().from(users).where(eq(users.id, id)))[0]!;
const standInRequests = async () =>
  (await (await fetch(`${standIn}/__requests`)).json()) as StripeStandInRequest[];

describe('billing off (the self-hosted default)', () => {
  it('answers 404 FEATURE_DISABLED on every billing route, the webhook included', async () => {
    const user = await createUser('billing-off');
    for (const [path, method] of [
      ['/v1/billing', 'GET'],
      ['/v1/billing/checkout', 'POST'],
      ['/v1/billing/portal', 'POST'],
    ] as const) {
      const response = await call(
        path,
        authed(user.key, {
          method,
          headers: { 'Content-Type': 'application/json' },
          ...(method === 'POST' ? { body: JSON.stringify({ plan: 'pro' }) } : {}),
        }),
      );
      expect(response.status, path).toBe(404);
      expect((await errorOf(response)).code).toBe('FEATURE_DISABLED');
    }
    const hook = await deliver(checkoutCompleted(user, 'cus_off'), { bindings: env as Bindings });
    expect(hook.status).toBe(404);
  });
});

describe('billing with Stripe', () => {
  it('creates a Checkout session for the plan’s price, for this account, through the stripe package', async () => {
    const user = await createUser('billing-checkout');
    const response = await api(user, '/billing/checkout', 'POST', { plan: 'starter' });
    expect(response.status).toBe(200);
    const { url } = (await response.json()) as { url: string };
    expect(url).toMatch(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/);
    const sent = (await standInRequests()).filter((request) => request.form.client_reference_id === user.id);
    expect(sent).toEqual([
      {
        method: 'POST',
        path: '/v1/checkout/sessions',
        form: expect.objectContaining({
          mode: 'subscription',
          'line_items[0][price]': PRICES.starter,
          'line_items[0][quantity]': '1',
          customer_email: `${user.slug}@example.test`,
          'metadata[plan]': 'starter',
          success_url: 'http://localhost:5173/settings?checkout=success#billing',
        }),
      },
    ]);
    // Plans Checkout does not sell are refused by the schema.
    expect((await api(user, '/billing/checkout', 'POST', { plan: 'unlimited' })).status).toBe(400);
  });

  it('applies a verified subscription lifecycle: paid plan, status and period end; cancelled falls back to free, deleting nothing', async () => {
    const user = await createUser('billing-lifecycle');
    const customer = `cus_${user.id}`;
    await storeImage(user.id, {
      filename: 'kept.png',
      bytes: makePng(3, 3),
      contentType: 'image/png',
      width: 3,
      height: 3,
    });

    // Before Checkout: no customer, so no Portal.
    const early = await api(user, '/billing/portal', 'POST');
    expect(early.status).toBe(409);

    const completed = await deliver(checkoutCompleted(user, customer));
    expect(await completed.json()).toEqual({ received: true, applied: true });
    const periodEnd = Math.floor(Date.parse('2027-01-04T00:00:00Z') / 1000);
    const created = subscriptionEvent('customer.subscription.created', customer, {
      status: 'active',
      price: PRICES.pro,
      periodEnd,
    });
    expect(await (await deliver(created)).json()).toEqual({ received: true, applied: true });
    expect(await (await api(user, '/billing')).json()).toEqual({
      plan: 'pro',
      subscription_status: 'active',
      period_end: '2027-01-04T00:00:00.000Z',
      customer: true,
    });
    const usage = (await (await call('/v1/usage', authed(user.key))).json()) as { images: { limit: number } };
    expect(usage.images.limit).toBe(PLANS.pro.maxImages);

    // The same event again (Stripe redelivers): acknowledged, applied once.
    expect(await (await deliver(created)).json()).toEqual({ received: true, applied: false });

    // The Portal, for the customer Checkout made.
    const portal = await api(user, '/billing/portal', 'POST');
    expect(portal.status).toBe(200);
    expect(((await portal.json()) as { url: string }).url).toMatch(
      /^https:\/\/billing\.stripe\.com\/p\/session\//,
    );
    expect((await standInRequests()).filter((request) => request.form.customer === customer)).toEqual([
      {
        method: 'POST',
        path: '/v1/billing_portal/sessions',
        form: { customer, return_url: 'http://localhost:5173/settings#billing' },
      },
    ]);

    // Unpaid: the free plan's limits, the images kept.
    await deliver(
      subscriptionEvent('customer.subscription.updated', customer, {
        status: 'unpaid',
        price: PRICES.pro,
        periodEnd,
      }),
    );
    expect(await userRow(user.id)).toMatchObject({ plan: 'free', subscriptionStatus: 'unpaid' });
    // Paid again, then cancelled for good.
    await deliver(
      subscriptionEvent('customer.subscription.updated', customer, {
        status: 'active',
        price: PRICES.starter,
        periodEnd,
      }),
    );
    expect(await userRow(user.id)).toMatchObject({ plan: 'starter', subscriptionStatus: 'active' });
    await deliver(
      subscriptionEvent('customer.subscription.deleted', customer, {
        status: 'canceled',
        price: PRICES.starter,
        periodEnd,
      }),
    );
    expect(await userRow(user.id)).toMatchObject({ plan: 'free', subscriptionStatus: 'canceled' });
    expect(await db().select().from(images).where(eq(images.ownerId, user.id))).toHaveLength(1);
  });

  it('refuses a delivery whose signature is wrong or missing, changing nothing', async () => {
    const user = await createUser('billing-forged');
    const customer = `cus_${user.id}`;
    await db().update(users).set({ stripeCustomerId: customer }).where(eq(users.id, user.id));
    const forged = await deliver(
      subscriptionEvent('customer.subscription.created', customer, {
        status: 'active',
        price: PRICES.pro,
        periodEnd: 1,
      }),
      { secret: 'whsec_not_the_endpoints' },
    );
    expect(forged.status).toBe(400);
    const unsigned = await fetchWith(billing, `${BASE}/v1/billing/webhook`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(checkoutCompleted(user, customer)),
    });
    expect(unsigned.status).toBe(400);
    expect(await userRow(user.id)).toMatchObject({ plan: 'free', subscriptionStatus: null });
  });

  it('ignores events it has no use for, and subscriptions of customers it does not know', async () => {
    const ignored = await deliver({
      id: eventId(),
      object: 'event',
      type: 'invoice.paid',
      data: { object: {} },
    });
    expect(await ignored.json()).toEqual({ received: true, applied: false });
    const stranger = await deliver(
      subscriptionEvent('customer.subscription.created', 'cus_nobody', {
        status: 'active',
        price: PRICES.pro,
        periodEnd: 1,
      }),
    );
    expect(stranger.status).toBe(200);
  });
});
