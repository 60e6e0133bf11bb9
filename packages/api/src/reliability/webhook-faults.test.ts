import { WEBHOOK_DELIVERY } from '@pixelflare/config';
import { createDb, webhookDeliveries, webhooks } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { asc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { consumeWebhookJobs, loopbackWebhook, receivedBy, receiver } from '../../test/webhook-receiver';
import type { WebhookJob } from '../jobs/messages';
import { deliverWebhook } from '../services/webhooks/deliver';
import { dohResolver, resolvedNonPublicReason } from '../services/webhooks/ssrf';

const db = () => createDb(env.DB);

function job(webhookId: string, ownerId: string, eventId: string): WebhookJob {
  return {
    webhookId,
    event: {
      id: eventId,
      type: 'image.uploaded',
      created_at: new Date().toISOString(),
      owner: ownerId,
      data: { id: 'img_1', filename: 'harbour.jpg' },
    },
  };
}

const deliveryLog = (webhookId: string) =>
  db()
    .select()
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.webhookId, webhookId))
    .orderBy(asc(webhookDeliveries.attempt));

/**
 * A DNS-over-HTTPS server stand-in (the JSON form Cloudflare's resolver answers, `application/dns-json`):
 * each name maps to its records; an unknown name is NXDOMAIN (Status 3); `servfail.example` is SERVFAIL.
 */
function dohStandIn(records: Record<string, { A?: string[]; AAAA?: string[] }>): typeof fetch {
  const handler = async (input: RequestInfo | URL): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input);
    const name = url.searchParams.get('name') ?? '';
    const type = url.searchParams.get('type') as 'A' | 'AAAA';
    if (name === 'servfail.example') return Response.json({ Status: 2 });
    const entry = records[name];
    if (!entry) return Response.json({ Status: 3 });
    const code = type === 'A' ? 1 : 28;
    // A CNAME first, as real answers for aliased names have: only the final addresses count.
    const answers = [
      { name, type: 5, TTL: 60, data: `alias.${name}.` },
      ...(entry[type] ?? []).map((data) => ({ name: `alias.${name}.`, type: code, TTL: 60, data })),
    ];
    return Response.json({ Status: 0, Answer: answers });
  };
  return handler as typeof fetch;
}

describe('a webhook receiver that hangs', () => {
  it('the delivery timeout holds, the attempt is logged as failed, and the retry delivers', async () => {
    const { owner, hook } = await loopbackWebhook('hangs-once');
    // Re-registered so that the first request is held open and never answered.
    const secret = hook.secret;
    await fetch(`${receiver}/register/hangs-once`, {
      method: 'POST',
      body: JSON.stringify({ secret, failFirst: 0, hangFirst: 1 }),
    });
    const message = job(hook.id, owner.id, 'evt_hang_1');
    // The production timeout is WEBHOOK_DELIVERY.timeoutMs (10 s); injected small so the test does not wait.
    expect(WEBHOOK_DELIVERY.timeoutMs).toBe(10_000);
    const outcome = await deliverWebhook(
      db(),
      { encryptionKey: env.ENCRYPTION_KEY!, allowPrivateTargets: true, timeoutMs: 250 },
      message,
    );
    expect(outcome.kind).toBe('retry');
    const [first] = await deliveryLog(hook.id);
    expect(first).toMatchObject({ attempt: 1, status: 'failed', responseStatus: null });
    expect(first!.error).toMatch(/timeout|abort/i);

    // The queue's retry (attempt 2, through the real consumer) reaches the receiver, which answers now.
    const retried = await consumeWebhookJobs([message], 2);
    expect(retried.explicitAcks).toHaveLength(1);
    const log = await deliveryLog(hook.id);
    expect(log.map((row) => [row.attempt, row.status, row.responseStatus])).toEqual([
      [1, 'failed', null],
      [2, 'succeeded', 200],
    ]);
    const seen = await receivedBy('hangs-once');
    expect(seen.map((delivery) => delivery.answered)).toEqual([0, 200]);
  });
});

describe('webhook host names that resolve to private addresses', () => {
  const resolve = dohResolver(
    'https://doh.stand-in.test/dns-query',
    dohStandIn({
      'public.example': { A: ['93.184.216.34'], AAAA: ['2606:2800:220:1:248:1893:25c8:1946'] },
      'rebind.example': { A: ['10.0.0.7'] },
      'metadata.example': { A: ['169.254.169.254'] },
      'mixed.example': { A: ['93.184.216.34'], AAAA: ['fd00::1'] },
      'loopback6.example': { AAAA: ['::1'] },
      'mapped.example': { AAAA: ['::ffff:192.168.1.1'] },
      'empty.example': {},
    }),
  );

  it('refuses a name when any address it resolves to is not public, or when it resolves to none', async () => {
    expect(await resolvedNonPublicReason('public.example', resolve)).toBeUndefined();
    expect(await resolvedNonPublicReason('rebind.example', resolve)).toMatch(
      /^private address .*10\.0\.0\.7/,
    );
    expect(await resolvedNonPublicReason('metadata.example', resolve)).toMatch(/^link-local/);
    expect(await resolvedNonPublicReason('mixed.example', resolve)).toMatch(/unique local.*fd00::1/);
    expect(await resolvedNonPublicReason('loopback6.example', resolve)).toMatch(/^loopback/);
    expect(await resolvedNonPublicReason('mapped.example', resolve)).toMatch(/^private/);
    expect(await resolvedNonPublicReason('empty.example', resolve)).toMatch(/no address/);
    expect(await resolvedNonPublicReason('nxdomain.example', resolve)).toMatch(/no address/);
    await expect(resolvedNonPublicReason('servfail.example', resolve)).rejects.toThrow(/status 2/);
    // IP literals are judged without asking the resolver.
    expect(await resolvedNonPublicReason('127.0.0.1', resolve)).toMatch(/^loopback/);
    expect(await resolvedNonPublicReason('8.8.8.8', resolve)).toBeUndefined();
  });

  it('a delivery to a name resolving to a private address is refused and logged, never sent', async () => {
    const { owner, hook } = await loopbackWebhook('rebound');
    // The receiver really is on loopback; the name the hook uses resolves there too.
    const port = new URL(receiver).port;
    await db()
      .update(webhooks)
      .set({ url: `http://rebind.example:${port}/hook/rebound` })
      .where(eq(webhooks.id, hook.id));
    const settings = { encryptionKey: env.ENCRYPTION_KEY!, allowPrivateTargets: false, resolveHost: resolve };
    const outcome = await deliverWebhook(db(), settings, job(hook.id, owner.id, 'evt_rebind_1'));
    expect(outcome.kind).toBe('retry');
    const [row] = await deliveryLog(hook.id);
    expect(row!.error).toMatch(
      /^Refused: the target is a private address \(rebind\.example resolves to 10\.0\.0\.7\)/,
    );
    expect(await receivedBy('rebound')).toEqual([]);

    // A resolver that fails is not a pass: the attempt fails closed and is retried.
    await db()
      .update(webhooks)
      .set({ url: `http://servfail.example:${port}/hook/rebound` })
      .where(eq(webhooks.id, hook.id));
    const unresolved = await deliverWebhook(db(), settings, job(hook.id, owner.id, 'evt_rebind_2'));
    expect(unresolved.kind).toBe('retry');
    const rows = await deliveryLog(hook.id);
    expect(rows.at(-1)!.error).toMatch(/^Could not resolve/);
    expect(await receivedBy('rebound')).toEqual([]);
  });
});
