import { z } from 'zod';

export const BillingSchema = z
  .object({
    plan: z.string(),
    subscription_status: z
      .string()
      .nullable()
      .meta({ description: "Stripe's subscription status (`active`, `past_due`, `canceled`, `unpaid`...)" }),
    period_end: z.string().nullable().meta({ description: 'When the current paid period ends' }),
    customer: z.boolean().meta({ description: 'Whether a Stripe customer exists (the Portal needs one)' }),
    subscribed: z.boolean().meta({
      description:
        'Whether a paid subscription is live (active, trialing, past_due): Checkout then refuses another ' +
        '(409 SUBSCRIPTION_EXISTS) and the Portal changes or cancels this one',
    }),
  })
  .meta({ id: 'Billing' });

export const CheckoutRequestSchema = z
  .object({ plan: z.enum(['starter', 'pro']) })
  .meta({ id: 'CheckoutRequest' });

export const BillingRedirectSchema = z
  .object({
    url: z.string().meta({ description: 'Send the user here (Stripe Checkout or Customer Portal)' }),
  })
  .meta({ id: 'BillingRedirect' });

export const StripeWebhookResultSchema = z
  .object({
    received: z.literal(true),
    applied: z
      .boolean()
      .meta({ description: 'false for an event already applied, or one that changes nothing' }),
  })
  .meta({ id: 'StripeWebhookResult' });
