import { createDb, webhooks } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { inject } from 'vitest';
import type { Bindings } from '../src/lib/env';
import type { WebhookJob } from '../src/jobs/messages';
import type { ReceivedDelivery } from './global-setup-webhooks';
import { authed, call, createUser, type TestUser } from './helpers';
import { runQueueBatch } from './queue';

/** The loopback receiver started by global-setup-webhooks.ts. */
export const receiver = `http://127.0.0.1:${inject('webhookReceiverPort')}`;

/** Loopback targets need the SSRF guard off, exactly as local development runs. */
export const loopbackEnv = { ...env, ALLOW_PRIVATE_WEBHOOK_TARGETS: 'true' } as unknown as Bindings;

/**
 * A new user with a webhook (every event) that points at the receiver's endpoint `name`, which answers 500 to
 * the first `failFirst` requests (-1: always) and verifies each with `standardwebhooks`.
 */
export async function loopbackWebhook(
  name: string,
  failFirst = 0,
): Promise<{ owner: TestUser; hook: { id: string; secret: string } }> {
  const owner = await createUser(name);
  const response = await call(
    '/v1/webhooks',
    authed(owner.key, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: 'https://hooks.example.com/placeholder' }),
    }),
  );
  const hook = (await response.json()) as { id: string; secret: string };
  // Created with a public URL through the API (the guard is on), then pointed at the loopback receiver.
  await createDb(env.DB)
    .update(webhooks)
    .set({ url: `${receiver}/hook/${name}` })
    .where(eq(webhooks.id, hook.id));
  await fetch(`${receiver}/register/${name}`, {
    method: 'POST',
    body: JSON.stringify({ secret: hook.secret, failFirst }),
  });
  return { owner, hook };
}

/** What the receiver's endpoint `name` got so far, oldest first. */
export async function receivedBy(name: string): Promise<ReceivedDelivery[]> {
  return (await (await fetch(`${receiver}/log/${name}`)).json()) as ReceivedDelivery[];
}

/** Runs webhook jobs through the real webhooks-queue consumer as delivery attempt `attempts`. */
export async function consumeWebhookJobs(jobs: WebhookJob[], attempts = 1, queue = 'pixelflare-webhooks') {
  return runQueueBatch(queue, jobs, {
    attempts,
    ids: jobs.map((body, i) => `msg-${body.event.id}-${i}`),
    bindings: loopbackEnv,
  });
}
