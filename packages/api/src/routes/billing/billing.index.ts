import { createRouter } from '../../lib/create-router';
import {
  createCheckoutHandler,
  createPortalHandler,
  getBillingHandler,
  stripeWebhookHandler,
} from './billing.handlers';
import {
  createCheckoutRoute,
  createPortalRoute,
  getBillingRoute,
  stripeWebhookRoute,
} from './billing.routes';

export const billingRouter = createRouter()
  .openapi(getBillingRoute, getBillingHandler)
  .openapi(createCheckoutRoute, createCheckoutHandler)
  .openapi(createPortalRoute, createPortalHandler)
  .openapi(stripeWebhookRoute, stripeWebhookHandler);
