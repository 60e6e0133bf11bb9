import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

declare module 'vitest' {
  interface ProvidedContext {
    /** The Stripe stand-in's origin (STRIPE_API_BASE_URL in tests); `GET /__requests` lists what it was sent. */
    stripeStandIn: string;
  }
}

/** The secret key the stand-in accepts; any other is Stripe's 401 `authentication_error`. */
export const STRIPE_TEST_SECRET_KEY = 'sk_test_standin_0123456789';

export interface StripeStandInRequest {
  method: string;
  path: string;
  /** The form-encoded body as Stripe's API reads it, flattened (`line_items[0][price]`). */
  form: Record<string, string>;
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A stand-in for the two Stripe endpoints Pixelflare calls, with the shapes of Stripe's API reference:
 * `POST /v1/checkout/sessions` (a `checkout.session` with its hosted `url`) and `POST /v1/billing_portal/sessions`
 * (a `billing_portal.session`). Bearer authentication as Stripe's (401 `authentication_error` otherwise), a
 * `customer` that does not start with `cus_` is Stripe's 400 `resource_missing`. Webhook deliveries are not sent
 * by it: the tests sign events with the stripe package's test-header helper and post them to the API
 * (`signedStripeDelivery`).
 *
 * With `hosted`, the sessions' URLs are the stand-in's own (`/c/pay/{id}`, `/p/session/{id}`, as Stripe's paths)
 * and it serves a page at each, so a browser test can follow them offline; otherwise they are Stripe's hosts.
 */
export async function startStripeStandIn(options: { hosted?: boolean } = {}) {
  const requests: StripeStandInRequest[] = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'Request-Id': `req_${randomUUID()}` });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && url.pathname === '/__requests') return send(200, requests);
    const hostedPage = /^\/(c\/pay|p\/session)\/([A-Za-z0-9_]+)$/.exec(url.pathname);
    if (options.hosted && req.method === 'GET' && hostedPage) {
      const what = hostedPage[1] === 'c/pay' ? 'Checkout' : 'Customer Portal';
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      return res.end(
        `<!doctype html><title>Stripe ${what} (stand-in)</title><h1>Stripe ${what}</h1><p>${hostedPage[2]}</p>`,
      );
    }
    const form = Object.fromEntries(new URLSearchParams(await bodyOf(req)));
    if (req.headers.authorization !== `Bearer ${STRIPE_TEST_SECRET_KEY}`) {
      return send(401, {
        error: {
          type: 'invalid_request_error',
          code: 'api_key_invalid',
          message: 'Invalid API Key provided',
        },
      });
    }
    requests.push({ method: req.method ?? '', path: url.pathname, form });
    if (form.customer !== undefined && !form.customer.startsWith('cus_')) {
      return send(400, {
        error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such customer' },
      });
    }
    const id = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '')}`;
    if (req.method === 'POST' && url.pathname === '/v1/checkout/sessions') {
      const sessionId = id('cs_test');
      return send(200, {
        id: sessionId,
        object: 'checkout.session',
        mode: form.mode,
        client_reference_id: form.client_reference_id ?? null,
        customer: form.customer ?? null,
        customer_email: form.customer_email ?? null,
        success_url: form.success_url,
        cancel_url: form.cancel_url,
        status: 'open',
        url: `${hostedOrigin('https://checkout.stripe.com')}/c/pay/${sessionId}`,
      });
    }
    if (req.method === 'POST' && url.pathname === '/v1/billing_portal/sessions') {
      const sessionId = id('bps');
      return send(200, {
        id: sessionId,
        object: 'billing_portal.session',
        customer: form.customer,
        return_url: form.return_url,
        url: `${hostedOrigin('https://billing.stripe.com')}/p/session/${sessionId}`,
      });
    }
    send(404, {
      error: {
        type: 'invalid_request_error',
        message: `Unrecognized request URL (${req.method}: ${url.pathname})`,
      },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  function hostedOrigin(stripeHost: string) {
    return options.hosted ? origin : stripeHost;
  }
  return {
    origin,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let eventCounter = 0;
/** A fresh event id, as Stripe's (`evt_...`). */
export const stripeEventId = () => `evt_test_${Date.now()}_${++eventCounter}`;

const eventOf = (type: string, object: object, id = stripeEventId()) => ({
  id,
  object: 'event',
  type,
  api_version: '2025-01-27.acacia',
  created: Math.floor(Date.now() / 1000),
  data: { object },
});

/** `checkout.session.completed` for a Checkout of `userId` that made (or used) `customer`. */
export const checkoutCompletedEvent = (userId: string, customer: string, plan = 'pro') =>
  eventOf('checkout.session.completed', {
    id: `cs_test_${userId}`,
    object: 'checkout.session',
    client_reference_id: userId,
    customer,
    metadata: { user_id: userId, plan },
  });

/** `customer.subscription.*` for `customer`'s subscription to one price, in API version 2025's shape. */
export const subscriptionEvent = (
  type: 'customer.subscription.created' | 'customer.subscription.updated' | 'customer.subscription.deleted',
  customer: string,
  fields: { status: string; price: string; periodEnd: number },
  id = stripeEventId(),
) =>
  eventOf(
    type,
    {
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
    id,
  );

/**
 * A webhook delivery as Stripe sends it: the event's JSON and its `Stripe-Signature` header (`t=...,v1=...`,
 * HMAC-SHA256 with the endpoint's signing secret), made by the official package's test-header helper.
 */
export async function signedStripeDelivery(event: object, secret: string) {
  const payload = JSON.stringify(event);
  const signature = await new Stripe(STRIPE_TEST_SECRET_KEY).webhooks.generateTestHeaderStringAsync({
    payload,
    secret,
    cryptoProvider: Stripe.createSubtleCryptoProvider(),
  });
  return {
    body: payload,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      'Stripe-Signature': signature,
    },
  };
}

/** Vitest global setup: the stand-in for the whole run, its origin given as stripeStandIn. */
export default async function setup(project: { provide: (key: 'stripeStandIn', value: string) => void }) {
  const standIn = await startStripeStandIn();
  project.provide('stripeStandIn', standIn.origin);
  return standIn.close;
}
