import type { PlanTier } from '@pixelflare/config';
import { stripeEvents, users, type Database, type User } from '@pixelflare/database';
import { and, eq, sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import { AppError } from '../../lib/errors';
import type { EnvVars } from '../../lib/env';

/** The paid plans a Checkout session can subscribe to. */
export const PAID_PLANS = ['starter', 'pro'] as const;
export type PaidPlan = (typeof PAID_PLANS)[number];

/** Subscription states that keep the paid plan; any other falls back to the free plan's limits. */
const PAYING = new Set(['active', 'trialing', 'past_due']);

/** Whether the account pays for a subscription now (a second one is refused: the Portal changes this one). */
export const hasLiveSubscription = (user: Pick<User, 'subscriptionStatus'>): boolean =>
  user.subscriptionStatus !== null && PAYING.has(user.subscriptionStatus);

export interface BillingDeps {
  stripe: Stripe;
  /** The package itself (loaded on first use: the CDN and the rest of the API never evaluate it). */
  Stripe: typeof Stripe;
  webhookSecret: string;
  prices: Record<PaidPlan, string>;
  /** Where Checkout and the Portal send the user back (the dashboard's settings; Plan & billing is `#billing`). */
  returnUrl: string;
}

/** Billing from config, or a 404 FEATURE_DISABLED when STRIPE_ENABLED is off (a self-hosted instance). */
export async function billingDepsFrom(
  config: Pick<
    EnvVars,
    | 'STRIPE_ENABLED'
    | 'STRIPE_SECRET_KEY'
    | 'STRIPE_WEBHOOK_SECRET'
    | 'STRIPE_PRICE_STARTER'
    | 'STRIPE_PRICE_PRO'
    | 'STRIPE_API_BASE_URL'
    | 'PUBLIC_DASHBOARD_URL'
    | 'PUBLIC_API_URL'
  >,
): Promise<BillingDeps> {
  const { STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, STRIPE_PRICE_STARTER, STRIPE_PRICE_PRO } = config;
  if (
    !config.STRIPE_ENABLED ||
    !STRIPE_SECRET_KEY ||
    !STRIPE_WEBHOOK_SECRET ||
    !STRIPE_PRICE_STARTER ||
    !STRIPE_PRICE_PRO
  )
    throw new AppError(404, 'FEATURE_DISABLED', 'Billing is not enabled on this server');
  const base = new URL(config.STRIPE_API_BASE_URL);
  const { default: Stripe } = await import('stripe');
  const stripe = new Stripe(STRIPE_SECRET_KEY, {
    // Workers: fetch for HTTP, SubtleCrypto for webhook signatures.
    httpClient: Stripe.createFetchHttpClient(),
    host: base.hostname,
    port: base.port || (base.protocol === 'https:' ? 443 : 80),
    protocol: base.protocol === 'https:' ? 'https' : 'http',
    maxNetworkRetries: 1,
  });
  return {
    stripe,
    Stripe,
    webhookSecret: STRIPE_WEBHOOK_SECRET,
    prices: { starter: STRIPE_PRICE_STARTER, pro: STRIPE_PRICE_PRO },
    returnUrl: `${(config.PUBLIC_DASHBOARD_URL ?? config.PUBLIC_API_URL).replace(/\/$/, '')}/settings`,
  };
}

export interface BillingState {
  plan: string;
  subscription_status: string | null;
  period_end: string | null;
  customer: boolean;
  subscribed: boolean;
}

export const billingStateOf = (user: User): BillingState => ({
  plan: user.plan,
  subscription_status: user.subscriptionStatus,
  period_end: user.subscriptionPeriodEnd?.toISOString() ?? null,
  customer: user.stripeCustomerId !== null,
  subscribed: hasLiveSubscription(user),
});

/** A Stripe call; Stripe unreachable or refusing is a 503 (its message is not passed on: it may name keys). */
async function reachStripe<T>(deps: BillingDeps, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof deps.Stripe.errors.StripeError)
      throw new AppError(503, 'SERVICE_UNAVAILABLE', `Stripe refused the request (${error.type})`);
    throw error;
  }
}

/**
 * A Checkout session subscribing the user to `plan`; its URL is where the dashboard sends them. An account that
 * already pays (active, trialing or past due) is refused with 409 SUBSCRIPTION_EXISTS: a second Checkout would
 * start a second subscription billed beside the first; the Customer Portal changes or cancels the one it has.
 */
export async function createCheckout(deps: BillingDeps, user: User, plan: PaidPlan): Promise<string> {
  if (hasLiveSubscription(user))
    throw new AppError(
      409,
      'SUBSCRIPTION_EXISTS',
      `This account already has a ${user.subscriptionStatus} subscription (${user.plan}): change or cancel it in the Customer Portal (POST /v1/billing/portal)`,
    );
  const session = await reachStripe(deps, () =>
    deps.stripe.checkout.sessions.create({
      mode: 'subscription',
      line_items: [{ price: deps.prices[plan], quantity: 1 }],
      client_reference_id: user.id,
      ...(user.stripeCustomerId
        ? { customer: user.stripeCustomerId }
        : user.email
          ? { customer_email: user.email }
          : {}),
      metadata: { user_id: user.id, plan },
      subscription_data: { metadata: { user_id: user.id, plan } },
      success_url: `${deps.returnUrl}?checkout=success#billing`,
      cancel_url: `${deps.returnUrl}#billing`,
    }),
  );
  if (!session.url) throw new AppError(503, 'SERVICE_UNAVAILABLE', 'Stripe returned no Checkout URL');
  return session.url;
}

/** A Customer Portal session (change plan, payment method, cancel); 409 before the first Checkout. */
export async function createPortal(deps: BillingDeps, user: User): Promise<string> {
  if (!user.stripeCustomerId)
    throw new AppError(409, 'CONFLICT', 'No subscription yet: subscribe through Checkout first');
  const customer = user.stripeCustomerId;
  const session = await reachStripe(deps, () =>
    deps.stripe.billingPortal.sessions.create({ customer, return_url: `${deps.returnUrl}#billing` }),
  );
  return session.url;
}

/** The tier a subscription pays for, from its first item's price (null: a price this server does not sell). */
function tierOf(deps: BillingDeps, subscription: Stripe.Subscription): PlanTier | null {
  const price = subscription.items.data[0]?.price.id;
  return PAID_PLANS.find((plan) => deps.prices[plan] === price) ?? null;
}

function periodEndOf(subscription: Stripe.Subscription): Date | null {
  const end = subscription.items.data[0]?.current_period_end;
  return typeof end === 'number' ? new Date(end * 1000) : null;
}

/**
 * A webhook delivery's event, once its signature is verified against the raw body with the endpoint's secret
 * (400 when it fails: nothing of the body is trusted before).
 */
export async function verifyStripeEvent(
  deps: BillingDeps,
  payload: string,
  signature: string | undefined,
): Promise<Stripe.Event> {
  try {
    return await deps.stripe.webhooks.constructEventAsync(
      payload,
      signature ?? '',
      deps.webhookSecret,
      undefined,
      deps.Stripe.createSubtleCryptoProvider(),
    );
  } catch {
    throw new AppError(400, 'BAD_REQUEST', 'Invalid Stripe-Signature');
  }
}

/**
 * A verified event, applied at most once (its id is recorded in the same D1 batch as the change, and the change
 * runs only if that insert added the row). Subscription events set the plan, status and period end; a cancelled,
 * unpaid or expired subscription puts the account on the free plan's limits, and nothing of it is deleted.
 */
export async function applyStripeEvent(
  deps: BillingDeps,
  db: Database,
  event: Stripe.Event,
): Promise<{ applied: boolean; type: string }> {
  const change = changeOf(deps, event);
  if (!change) return { applied: false, type: event.type };
  const [recorded] = await db.batch([
    db.insert(stripeEvents).values({ id: event.id, type: event.type }).onConflictDoNothing(),
    db
      .update(users)
      .set(change.values)
      .where(and(change.where, sql`changes() = 1`)),
  ]);
  return { applied: recorded.meta.changes === 1, type: event.type };
}

function changeOf(deps: BillingDeps, event: Stripe.Event) {
  if (event.type === 'checkout.session.completed') {
    const session = event.data.object;
    const userId = session.client_reference_id ?? session.metadata?.user_id;
    const customer = typeof session.customer === 'string' ? session.customer : session.customer?.id;
    if (!userId || !customer) return null;
    return { where: eq(users.id, userId), values: { stripeCustomerId: customer } };
  }
  if (
    event.type === 'customer.subscription.created' ||
    event.type === 'customer.subscription.updated' ||
    event.type === 'customer.subscription.deleted'
  ) {
    const subscription = event.data.object;
    const customer =
      typeof subscription.customer === 'string' ? subscription.customer : subscription.customer.id;
    const paying = event.type !== 'customer.subscription.deleted' && PAYING.has(subscription.status);
    const tier = tierOf(deps, subscription);
    return {
      where: eq(users.stripeCustomerId, customer),
      values: {
        plan: paying && tier ? tier : ('free' as const),
        subscriptionStatus: subscription.status,
        subscriptionPeriodEnd: periodEndOf(subscription),
      },
    };
  }
  return null;
}
