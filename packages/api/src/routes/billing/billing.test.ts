import { PLANS, RATE_LIMITS } from '@pixelflare/config';
import { createDb, images, users } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import Stripe from 'stripe';
import { describe, expect, inject, it } from 'vitest';
import {
  checkoutCompletedEvent,
  STRIPE_TEST_SECRET_KEY,
  stripeEventId,
  subscriptionEvent,
  type StripeStandInRequest,
} from '../../../test/global-setup-stripe';
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

async function deliver(event: object, options: { secret?: string; bindings?: Bindings; ip?: string } = {}) {
  const payload = JSON.stringify(event);
  const signature = await stripe.webhooks.generateTestHeaderStringAsync({
    payload,
    secret: options.secret ?? WEBHOOK_SECRET,
    cryptoProvider: Stripe.createSubtleCryptoProvider(),
  });
  return fetchWith(options.bindings ?? billing, `${BASE}/v1/billing/webhook`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'Stripe-Signature': signature,
      ...(options.ip ? { 'CF-Connecting-IP': options.ip } : {}),
    },
    body: payload,
  });
}

const eventId = stripeEventId;
const checkoutCompleted = (user: TestUser, customer: string) => checkoutCompletedEvent(user.id, customer);

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
      subscribed: true,
    });
    const usage = (await (await call('/v1/usage', authed(user.key))).json()) as { images: { limit: number } };
    expect(usage.images.limit).toBe(PLANS.pro.maxImages);

    // A second Checkout would bill a second subscription beside this one: refused, pointing at the Portal.
    const second = await api(user, '/billing/checkout', 'POST', { plan: 'starter' });
    expect(second.status).toBe(409);
    const refusal = await errorOf(second);
    expect(refusal.code).toBe('SUBSCRIPTION_EXISTS');
    expect(refusal.message).toContain('Customer Portal');
    expect(
      (await standInRequests()).filter(
        (request) => request.path === '/v1/checkout/sessions' && request.form.client_reference_id === user.id,
      ),
    ).toEqual([]);

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
    // Cancelled, the account may subscribe again, through Checkout for its existing customer.
    expect(await (await api(user, '/billing')).json()).toMatchObject({ plan: 'free', subscribed: false });
    const again = await api(user, '/billing/checkout', 'POST', { plan: 'pro' });
    expect(again.status).toBe(200);
    expect(
      (await standInRequests()).filter(
        (request) => request.path === '/v1/checkout/sessions' && request.form.client_reference_id === user.id,
      ),
    ).toEqual([
      expect.objectContaining({
        form: expect.objectContaining({ customer, 'line_items[0][price]': PRICES.pro }),
      }),
    ]);
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

  it('takes a burst of verified deliveries from one address past the anonymous bucket, without spending it', async () => {
    const ip = '198.51.100.20';
    const ignored = () => ({ id: eventId(), object: 'event', type: 'invoice.paid', data: { object: {} } });
    const burst = RATE_LIMITS.anonymous.capacity + 10;
    for (let i = 0; i < burst; i++) {
      const response = await deliver(ignored(), { ip });
      expect(response.status, `delivery ${i + 1}`).toBe(200);
      expect(response.headers.get('RateLimit-Limit')).toBe(String(RATE_LIMITS.stripeWebhook.capacity));
    }
    // The address's anonymous bucket is untouched: its next anonymous request is its first.
    const status = await fetchWith(billing, `${BASE}/v1/status`, { headers: { 'CF-Connecting-IP': ip } });
    expect(status.headers.get('RateLimit-Remaining')).toBe(String(RATE_LIMITS.anonymous.capacity - 1));
  });

  it('refuses an address after its forged deliveries spend their bucket, before verifying; Stripe’s still pass', async () => {
    const forger = '198.51.100.66';
    const event = () => ({ id: eventId(), object: 'event', type: 'invoice.paid', data: { object: {} } });
    for (let i = 0; i < RATE_LIMITS.stripeWebhookForged.capacity; i++) {
      const forged = await deliver(event(), { ip: forger, secret: 'whsec_guessed' });
      expect(forged.status, `forged delivery ${i + 1}`).toBe(400);
    }
    const refused = await deliver(event(), { ip: forger, secret: 'whsec_guessed' });
    expect(refused.status).toBe(429);
    expect((await errorOf(refused)).code).toBe('RATE_LIMITED');
    expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThanOrEqual(1);
    // Refused before verification: even a correctly signed one from that address waits.
    expect((await deliver(event(), { ip: forger })).status).toBe(429);
    // Stripe's own address is unaffected.
    expect((await deliver(event(), { ip: '198.51.100.21' })).status).toBe(200);
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
