// Settings > Plan & billing with Stripe billing on. The shared stack has it off (settings.test.ts checks the
// section is then absent), so this file starts a stack of its own against the Stripe stand-in the API's tests use,
// serving its hosted Checkout and Portal pages. Stripe's webhook deliveries are made as Stripe makes them: the
// event's JSON signed with the endpoint's secret by the official package, posted to the API.
import { PLANS } from '@pixelflare/config';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkoutCompletedEvent,
  signedStripeDelivery,
  startStripeStandIn,
  STRIPE_TEST_SECRET_KEY,
  subscriptionEvent,
  type StripeStandInRequest,
} from '../../api/test/global-setup-stripe';
import { openBrowser, type Browser } from './browser';
import { startStack, type RunningStack } from './stack';

const WEBHOOK_SECRET = 'whsec_e2e_standin_secret';
const PRICES = { starter: 'price_e2e_starter', pro: 'price_e2e_pro' };
const root = resolve(import.meta.dirname, '../../..');

let standIn: Awaited<ReturnType<typeof startStripeStandIn>> | undefined;
let stack: RunningStack | undefined;
let browser: Browser;
let key: string;
let userId: string;

const api = async (path: string, init: RequestInit = {}) => {
  const response = await fetch(`${stack!.apiUrl}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${key}`, ...init.headers },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

/** Posts an event to the webhook endpoint exactly as Stripe delivers it. */
async function deliver(event: object) {
  const response = await fetch(`${stack!.apiUrl}/v1/billing/webhook`, {
    method: 'POST',
    ...(await signedStripeDelivery(event, WEBHOOK_SECRET)),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { applied: boolean };
}

const sent = async () =>
  ((await (await fetch(`${standIn!.origin}/__requests`)).json()) as StripeStandInRequest[]).filter(
    (request) => request.form.client_reference_id === userId || request.form.customer === `cus_${userId}`,
  );

beforeAll(async () => {
  standIn = await startStripeStandIn({ hosted: true });
  stack = await startStack({
    host: '127.0.0.1',
    seed: true,
    vars: {
      STRIPE_ENABLED: 'true',
      STRIPE_SECRET_KEY: STRIPE_TEST_SECRET_KEY,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_PRICE_STARTER: PRICES.starter,
      STRIPE_PRICE_PRO: PRICES.pro,
      STRIPE_API_BASE_URL: standIn.origin,
      USAGE_LIMITS_ENABLED: 'true',
    },
  });
  // AUTH_MODE=none: the dashboard acts as alice, the seeded admin, whose key the seed wrote.
  key = (
    JSON.parse(readFileSync(join(root, '.dev/credentials.json'), 'utf8')) as Record<
      string,
      { apiKey: string }
    >
  ).alice!.apiKey;
  userId = (await api('/v1/me')).body.id as string;
  // The seed puts alice on pro; a paying customer starts on free, with one image stored.
  const plan = await api(`/v1/admin/users/${userId}/plan`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ plan: 'free' }),
  });
  expect(plan.status).toBe(200);
  const form = new FormData();
  const png = readFileSync(resolve(import.meta.dirname, '../../api/test/fixtures/tiny.png'));
  form.append('file', new Blob([png], { type: 'image/png' }), 'tiny.png');
  expect((await api('/v1/upload', { method: 'POST', body: form })).status).toBe(201);
  browser = await openBrowser(stack.dashboardUrl);
});
afterAll(async () => {
  await browser?.close();
  stack?.stop();
  await standIn?.close();
});

describe('settings: plan & billing with Stripe', () => {
  it('subscribes through Checkout, shows the plan Stripe confirms, opens the Portal, and falls back to free when cancelled', async () => {
    const { page } = browser;
    const section = page.getByTestId('billing');
    const text = async (testid: string) =>
      (await page.getByTestId(testid).textContent())?.replace(/\s+/g, ' ').trim();

    // Free: the plans with their limits, this month's use against the free plan's, Checkout for each paid plan.
    await browser.visit('/settings#billing');
    await page.getByTestId('billing-plans').waitFor();
    expect(await text('billing-plan')).toBe('Current plan: Free');
    expect(await page.getByTestId('billing-plan-free').textContent()).toContain('Current');
    expect(await page.getByTestId('billing-plan-free').textContent()).toContain(String(PLANS.free.maxImages));
    expect(await page.getByTestId('billing-plan-pro').textContent()).toContain(String(PLANS.pro.maxImages));
    expect(await text('billing-usage-images')).toBe(`Images: 1 of ${PLANS.free.maxImages}`);
    expect(await page.getByTestId('billing-portal').count()).toBe(0);

    // Subscribe: the browser goes to the Checkout session Stripe made for this account and plan.
    await page.getByTestId('billing-subscribe-pro').click();
    await page.waitForURL((url) => url.origin === standIn!.origin && url.pathname.startsWith('/c/pay/cs_'));
    expect(await page.locator('h1').textContent()).toBe('Stripe Checkout');
    const [checkout] = await sent();
    expect(checkout).toMatchObject({
      path: '/v1/checkout/sessions',
      form: {
        mode: 'subscription',
        'line_items[0][price]': PRICES.pro,
        client_reference_id: userId,
        success_url: `${stack!.dashboardUrl}/settings?checkout=success#billing`,
      },
    });

    // Stripe confirms the payment: its deliveries link the customer and start the subscription...
    const customer = `cus_${userId}`;
    const periodEnd = Math.floor(Date.parse('2027-01-04T00:00:00Z') / 1000);
    expect(await deliver(checkoutCompletedEvent(userId, customer))).toEqual({
      received: true,
      applied: true,
    });
    expect(
      await deliver(
        subscriptionEvent('customer.subscription.created', customer, {
          status: 'active',
          price: PRICES.pro,
          periodEnd,
        }),
      ),
    ).toEqual({ received: true, applied: true });
    // ...and sends the browser back to the success URL, where the page shows the new plan and its limits.
    await page.goto(checkout!.form.success_url!);
    await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
    await page.getByTestId('billing-plans').waitFor();
    expect(await section.getByRole('status').textContent()).toContain('Thank you');
    expect(await text('billing-plan')).toBe('Current plan: Pro');
    expect(await text('billing-status')).toBe('Subscription: active');
    expect(await page.getByTestId('billing-plan-pro').textContent()).toContain('Current');
    expect(await text('billing-usage-images')).toBe(`Images: 1 of ${PLANS.pro.maxImages}`);
    // A live subscription changes in the Portal: no Checkout is offered, and the API refuses one.
    expect(await section.locator('[data-testid^="billing-subscribe-"]').count()).toBe(0);
    const second = await api('/v1/billing/checkout', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ plan: 'starter' }),
    });
    expect(second.status).toBe(409);
    expect((second.body.error as { code: string }).code).toBe('SUBSCRIPTION_EXISTS');
    await browser.screenshots('settings-billing', section);

    // The Portal: the browser goes to the Portal session Stripe made for this customer.
    expect(await text('billing-portal')).toBe('Change plan or cancel');
    await page.getByTestId('billing-portal').click();
    await page.waitForURL(
      (url) => url.origin === standIn!.origin && url.pathname.startsWith('/p/session/bps_'),
    );
    expect(await page.locator('h1').textContent()).toBe('Stripe Customer Portal');
    expect((await sent()).at(-1)).toEqual({
      method: 'POST',
      path: '/v1/billing_portal/sessions',
      form: { customer, return_url: `${stack!.dashboardUrl}/settings#billing` },
    });

    // Cancelled in the Portal: Stripe's delivery puts the account back on the free plan's limits.
    await deliver(
      subscriptionEvent('customer.subscription.deleted', customer, {
        status: 'canceled',
        price: PRICES.pro,
        periodEnd,
      }),
    );
    await browser.visit('/settings#billing');
    await page.getByTestId('billing-plans').waitFor();
    expect(await text('billing-plan')).toBe('Current plan: Free');
    expect(await text('billing-status')).toBe('Subscription: canceled');
    expect(await page.getByTestId('billing-lapsed').textContent()).toContain("the free plan's limits apply");
    expect(await page.getByTestId('billing-plan-free').textContent()).toContain('Current');
    expect(await text('billing-usage-images')).toBe(`Images: 1 of ${PLANS.free.maxImages}`);
    // Subscribing again is offered, and the Portal still is (invoices, payment method).
    await page.getByTestId('billing-subscribe-starter').waitFor();
    expect(await text('billing-portal')).toBe('Manage billing');
  });
});
