import { createRoute } from '@hono/zod-openapi';
import {
  BillingRedirectSchema,
  BillingSchema,
  CheckoutRequestSchema,
  StripeWebhookResultSchema,
} from '@pixelflare/shared';
import { requireScope } from '../../middleware/auth';
import { stripeWebhookLimit } from '../../middleware/rate-limit';
import {
  AUTHED_ERRORS,
  errorResponse as error,
  jsonResponse as json,
  PUBLIC_SECURITY,
  RATE_LIMITED,
  BEARER_SECURITY as security,
} from '../../lib/openapi';

const disabled = error('`FEATURE_DISABLED`: billing is off on this server (STRIPE_ENABLED)');

export const getBillingRoute = createRoute({
  method: 'get',
  path: '/billing',
  operationId: 'getBilling',
  tags: ['Billing'],
  summary: 'Your plan and Stripe subscription (needs keys:manage, the account scope)',
  security,
  middleware: [requireScope('keys:manage')] as const,
  responses: { 200: json(BillingSchema, 'Billing'), ...AUTHED_ERRORS, 404: disabled },
});

export const createCheckoutRoute = createRoute({
  method: 'post',
  path: '/billing/checkout',
  operationId: 'createBillingCheckout',
  tags: ['Billing'],
  summary: 'A Stripe Checkout session to subscribe to a plan',
  security,
  middleware: [requireScope('keys:manage')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: CheckoutRequestSchema } } } },
  responses: {
    200: json(BillingRedirectSchema, 'Where to send the user'),
    ...AUTHED_ERRORS,
    404: disabled,
    409: error(
      '`SUBSCRIPTION_EXISTS`: the account already pays for a subscription; change or cancel it in the Portal',
    ),
    503: error('Stripe unreachable'),
  },
});

export const createPortalRoute = createRoute({
  method: 'post',
  path: '/billing/portal',
  operationId: 'createBillingPortal',
  tags: ['Billing'],
  summary: 'A Stripe Customer Portal session (change plan, payment method, cancel)',
  security,
  middleware: [requireScope('keys:manage')] as const,
  responses: {
    200: json(BillingRedirectSchema, 'Where to send the user'),
    ...AUTHED_ERRORS,
    404: disabled,
    409: error('No Stripe customer yet (subscribe through Checkout first)'),
    503: error('Stripe unreachable'),
  },
});

export const stripeWebhookRoute = createRoute({
  method: 'post',
  path: '/billing/webhook',
  operationId: 'receiveStripeWebhook',
  tags: ['Billing'],
  summary: "Stripe's webhook endpoint (verified by the Stripe-Signature header)",
  description:
    'Applies `checkout.session.completed` and `customer.subscription.created|updated|deleted`, each event id ' +
    'once. Other events are acknowledged and ignored. Not in the anonymous per-IP bucket: verified deliveries ' +
    'draw from one bucket of their own, and failed signatures from a per-IP bucket (429 once it is empty).',
  security: PUBLIC_SECURITY,
  middleware: [stripeWebhookLimit] as const,
  responses: {
    200: json(StripeWebhookResultSchema, 'Received'),
    400: error('Missing or invalid Stripe-Signature'),
    404: disabled,
    ...RATE_LIMITED,
  },
});
