import { WEBHOOK_DELIVERY } from '@pixelflare/config';
import { webhookDeliveries, webhooks, type Database } from '@pixelflare/database';
import { and, eq, isNull } from 'drizzle-orm';
import type { WebhookJob } from '../../jobs/messages';
import { newId } from '../../lib/ids';
import { signingSecrets, type WebhookSettings } from './manage';
import { dohResolver, resolvedNonPublicReason } from './ssrf';

/** Standard Webhooks signature(s): `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, space-separated. */
export async function signPayload(
  secrets: string[],
  id: string,
  timestamp: number,
  body: string,
): Promise<string> {
  const encoder = new TextEncoder();
  const signatures = await Promise.all(
    secrets.map(async (secret) => {
      const raw = Uint8Array.from(atob(secret.replace(/^whsec_/, '')), (ch) => ch.charCodeAt(0));
      const key = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, [
        'sign',
      ]);
      const mac = new Uint8Array(
        await crypto.subtle.sign('HMAC', key, encoder.encode(`${id}.${timestamp}.${body}`)),
      );
      return `v1,${btoa(String.fromCharCode(...mac))}`;
    }),
  );
  return signatures.join(' ');
}

/** Delay before attempt n+1: exponential (base * 4^(n-1), capped) with jitter, about a day over 8 attempts. */
export function webhookRetryDelaySeconds(attempt: number): number {
  const ceiling = Math.min(
    WEBHOOK_DELIVERY.backoffMaxSeconds,
    WEBHOOK_DELIVERY.backoffBaseSeconds * 4 ** Math.max(0, attempt - 1),
  );
  return Math.round(ceiling * (0.75 + Math.random() * 0.5));
}

export type DeliveryOutcome =
  | { kind: 'skipped' }
  | { kind: 'delivered' | 'dead'; deliveryId: string }
  | { kind: 'retry'; delaySeconds: number; deliveryId: string };

/**
 * Sends one event to one endpoint and logs the attempt. Idempotent: once an event succeeded for an
 * endpoint (automatically or by a manual send), a redelivered message sends nothing. Automatic attempts
 * count towards `maxAttempts`; manual ones are logged with `trigger: 'manual'` and count towards nothing.
 */
export async function deliverWebhook(
  db: Database,
  settings: WebhookSettings,
  job: WebhookJob,
  now = new Date(),
  /** Manual sends (redeliver, test ping) go out even after a success or while the endpoint is inactive. */
  options: { manual?: boolean } = {},
): Promise<DeliveryOutcome> {
  const [hook] = await db.select().from(webhooks).where(eq(webhooks.id, job.webhookId));
  if (!hook || (!hook.isActive && !options.manual)) return { kind: 'skipped' };
  const previous = await db
    .select({
      id: webhookDeliveries.id,
      status: webhookDeliveries.status,
      trigger: webhookDeliveries.trigger,
    })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.webhookId, hook.id), eq(webhookDeliveries.eventId, job.event.id)));
  if (!options.manual && previous.some((row) => row.status === 'succeeded')) {
    return { kind: 'skipped' };
  }
  // The queue delivers the message once more after the last attempt (so it can reach the dead-letter
  // queue): that delivery must not send a further request.
  const dead = options.manual ? undefined : previous.find((row) => row.status === 'dead');
  if (dead) return { kind: 'dead', deliveryId: dead.id };
  // Manual sends are numbered apart and never use up the automatic budget: an operator trying a fixed
  // endpoint again must not push the event towards the dead-letter queue.
  const trigger = options.manual ? 'manual' : 'automatic';
  const attempt = previous.filter((row) => row.trigger === trigger).length + 1;

  const body = JSON.stringify(job.event);
  const timestamp = Math.floor(now.getTime() / 1000);
  const started = Date.now();
  let responseStatus: number | null = null;
  let responseSnippet: string | null = null;
  let error: string | null = null;
  let blocked: string | undefined;
  try {
    blocked = settings.allowPrivateTargets
      ? undefined
      : await resolvedNonPublicReason(new URL(hook.url).hostname, settings.resolveHost ?? dohResolver());
    if (blocked) error = `Refused: the target is a ${blocked}`;
  } catch (cause) {
    // Fail closed: a name that cannot be checked is not sent to; the attempt is retried like any failure.
    blocked = 'unresolved';
    error = `Could not resolve the target's host name: ${cause instanceof Error ? cause.message : String(cause)}`;
  }
  if (!blocked) {
    try {
      const response = await fetch(hook.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(settings.timeoutMs ?? WEBHOOK_DELIVERY.timeoutMs),
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'Pixelflare-Webhooks/1',
          'webhook-id': job.event.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': await signPayload(
            await signingSecrets(settings.encryptionKey, hook, now),
            job.event.id,
            timestamp,
            body,
          ),
        },
        body,
      });
      responseStatus = response.status;
      responseSnippet = await readSnippet(response, WEBHOOK_DELIVERY.responseSnippetBytes);
    } catch (cause) {
      error = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    }
  }
  const ok = responseStatus !== null && responseStatus >= 200 && responseStatus < 300;
  const exhausted = !ok && !options.manual && attempt >= WEBHOOK_DELIVERY.maxAttempts;
  const deliveryId = newId('dlv');
  await db.insert(webhookDeliveries).values({
    id: deliveryId,
    webhookId: hook.id,
    ownerId: hook.ownerId,
    eventId: job.event.id,
    eventType: job.event.type,
    attempt,
    trigger,
    status: ok ? 'succeeded' : exhausted ? 'dead' : 'failed',
    responseStatus,
    responseSnippet,
    error: error ?? (ok ? null : `HTTP ${responseStatus}`),
    durationMs: Date.now() - started,
  });

  if (ok) {
    await db.update(webhooks).set({ failingSince: null }).where(eq(webhooks.id, hook.id));
    return { kind: 'delivered', deliveryId };
  }
  // A failed manual send is logged but neither retried nor counted towards disabling the endpoint.
  if (options.manual) return { kind: 'dead', deliveryId };
  await recordFailure(db, hook.id, hook.failingSince, now);
  return exhausted
    ? { kind: 'dead', deliveryId }
    : { kind: 'retry', delaySeconds: webhookRetryDelaySeconds(attempt), deliveryId };
}

/**
 * The first `maxBytes` of a response body as text. Reads no further (a receiver answering with a huge body
 * costs neither memory nor time) and drops a multi-byte character cut at the end.
 */
export async function readSnippet(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  while (length < maxBytes) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.byteLength;
  }
  await reader.cancel().catch(() => undefined);
  const bytes = new Uint8Array(Math.min(length, maxBytes));
  let offset = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, bytes.length - offset);
    bytes.set(part, offset);
    offset += part.byteLength;
    if (offset === bytes.length) break;
  }
  return new TextDecoder().decode(bytes, { stream: true });
}

/** Marks when failures began; an endpoint failing for `disableAfterFailingDays` is disabled with a reason. */
async function recordFailure(db: Database, id: string, failingSince: Date | null, now: Date) {
  if (!failingSince) {
    await db
      .update(webhooks)
      .set({ failingSince: now })
      .where(and(eq(webhooks.id, id), isNull(webhooks.failingSince)));
    return;
  }
  const days = (now.getTime() - failingSince.getTime()) / 86_400_000;
  if (days >= WEBHOOK_DELIVERY.disableAfterFailingDays) {
    await db
      .update(webhooks)
      .set({
        isActive: false,
        disabledAt: now,
        disabledReason: `Disabled automatically: every delivery failed for ${WEBHOOK_DELIVERY.disableAfterFailingDays} days (since ${failingSince.toISOString()})`,
      })
      .where(eq(webhooks.id, id));
  }
}
