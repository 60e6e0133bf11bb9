import { PLANS, WEBHOOK_EVENTS, type WebhookEvent } from '@pixelflare/config';
import { createDb, images, imageVariants, outboxEvents } from '@pixelflare/database';
import { WEBHOOK_EVENT_DATA, WebhookEnvelopeSchema, type WebhookEnvelope } from '@pixelflare/shared';
import { env } from 'cloudflare:workers';
import { and, eq, isNull } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { makePng, storeImage } from '../../test/fixtures/cdn/images';
import { fixture } from '../../test/fixtures/fixtures.generated';
import { upload, uploadForm } from '../../test/fixtures/upload-helpers';
import { setStandInHostname } from '../../test/cloudflare-stand-in-control';
import { domainBindings, fetchWith, runPoll, uniqueHostname } from '../../test/fixtures/domain-helpers';
import { authed, BASE, call, type TestUser } from '../../test/helpers';
import { consumeWebhookJobs, loopbackWebhook, receivedBy } from '../../test/webhook-receiver';
import { waitFor } from '../../test/wait-for';
import { dispatchOutbox } from '../services/events/dispatch';
import { createD1Sink } from '../services/analytics/sink';
import { createD1Source } from '../services/analytics/source';
import { runUsageMetering } from '../services/quotas/metering';
import { periodOf } from '../services/quotas/period';
import type { WebhookJob } from './messages';
import { recordingQueue } from '../../test/recording-queue';

type Resource = Record<string, unknown> & { id: string };

async function api(owner: TestUser, path: string, method = 'GET', body?: unknown): Promise<Response> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.headers = { 'Content-Type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  const response = await call(path, authed(owner.key, init));
  expect(response.status, `${method} ${path}`).toBeLessThan(300);
  return response;
}

const get = async (owner: TestUser, path: string) => (await (await api(owner, path)).json()) as Resource;

/** The outbox as the dispatcher sends it, captured instead of queued (the queue's consumer has no loopback). */
async function dispatchedJobs(ownerId: string): Promise<WebhookJob[]> {
  const db = createDb(env.DB);
  // The per-request flush (waitUntil) sends each event to the real queue, whose consumer refuses loopback
  // targets. Once every flush has marked its rows, they are sent again here.
  await waitFor(async () => {
    const pending = await db
      .select({ id: outboxEvents.id })
      .from(outboxEvents)
      .where(and(eq(outboxEvents.ownerId, ownerId), isNull(outboxEvents.dispatchedAt)));
    expect(pending).toEqual([]);
  });
  await db.update(outboxEvents).set({ dispatchedAt: null }).where(eq(outboxEvents.ownerId, ownerId));
  const { queue, sent } = recordingQueue<WebhookJob>();
  await dispatchOutbox(db, queue, ownerId);
  return sent;
}

describe('event payloads, end to end', () => {
  it('delivers every event type signed, with the envelope and the resource exactly as the API returns it', async () => {
    const { owner, hook } = await loopbackWebhook('payloads');
    const expected = new Map<WebhookEvent, Resource>();

    await api(owner, '/v1/albums', 'POST', { slug: 'trip', title: 'Trip', description: 'Summer' });
    expected.set('album.created', await get(owner, '/v1/albums/trip'));

    const uploaded = (await (
      await upload(
        owner,
        uploadForm(fixture('tiny.png'), 'beach.png', { album: 'trip', tags: 'sea,beach', title: 'Beach' }),
      )
    ).json()) as Resource;
    // The upload queued the variants job; the local queue runs it in the background.
    const db = createDb(env.DB);
    await waitFor(
      async () => {
        const rows = await db
          .select()
          .from(outboxEvents)
          .where(and(eq(outboxEvents.ownerId, owner.id), eq(outboxEvents.type, 'image.variants_ready')));
        expect(rows).toHaveLength(1);
      },
      { interval: 250 },
    );
    const afterUpload = await get(owner, `/v1/images/${uploaded.id}`);
    // The placeholder is worked out by the variants job, after the upload answered (and its event was written).
    expect(afterUpload.placeholder).not.toBeNull();
    expected.set('image.uploaded', { ...afterUpload, placeholder: null });
    const ready = await db
      .select({ name: imageVariants.name, format: imageVariants.format })
      .from(imageVariants)
      .where(and(eq(imageVariants.imageId, uploaded.id), eq(imageVariants.status, 'ready')));
    expect(ready.length).toBeGreaterThan(0);
    expected.set('image.variants_ready', {
      ...afterUpload,
      variants: ready.map((row) => `${row.name}.${row.format}`).sort(),
    });

    await api(owner, `/v1/images/${uploaded.id}`, 'PATCH', { title: 'Noon', tags: ['sun', 'beach', 'sun'] });
    expected.set('image.updated', await get(owner, `/v1/images/${uploaded.id}`));

    await api(owner, '/v1/albums/trip', 'PATCH', { title: 'Trip 2026', visibility: 'private' });
    expected.set('album.updated', await get(owner, '/v1/albums/trip'));

    // A one-time share link: its only view writes share.viewed and, being the last, share.expired.
    const share = (await (
      await api(owner, '/v1/share-links', 'POST', { image_id: uploaded.id, max_views: 1 })
    ).json()) as Resource & { url: string };
    expect((await call(new URL(share.url).pathname)).status).toBe(200);
    const shared = await get(owner, `/v1/share-links/${share.id}`);
    expect(shared).toMatchObject({ views: 1, state: 'used_up' });
    expected.set('share.viewed', shared);
    expected.set('share.expired', shared);

    await api(owner, `/v1/images/${uploaded.id}`, 'DELETE');
    const trash = (await get(owner, '/v1/trash')) as unknown as { data: Resource[] };
    expected.set(
      'image.deleted',
      trash.data.find((image) => image.id === uploaded.id)!,
    );

    await api(owner, `/v1/images/${uploaded.id}/restore`, 'POST');
    expected.set('image.restored', await get(owner, `/v1/images/${uploaded.id}`));
    // The album is private now: events after that carry the image as signed-only, as GET shows it.
    expect([afterUpload.access, expected.get('image.restored')!.access]).toEqual(['public', 'signed']);

    // Purged and deleted resources are gone afterwards: the event carries the last state the API showed.
    expected.set('image.purged', await get(owner, `/v1/images/${uploaded.id}`));
    await api(owner, `/v1/images/${uploaded.id}?permanent=true`, 'DELETE');
    expected.set('album.deleted', await get(owner, '/v1/albums/trip'));
    await api(owner, '/v1/albums/trip', 'DELETE');

    // Custom domains: verified by the domains queue against the Cloudflare API stand-in (custom-domain.test.ts).
    for (const [event, change] of [
      ['domain.active', { status: 'active', ssl_status: 'active' }],
      ['domain.failed', { status: 'blocked', verification_errors: ['Blocked by Cloudflare'] }],
    ] as const) {
      const { bindings, sent } = domainBindings();
      const hostname = uniqueHostname('events');
      const domainApi = (method: string, body?: unknown) =>
        fetchWith(
          bindings,
          `${BASE}/v1/custom-domain`,
          authed(owner.key, {
            method,
            ...(body ? { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) } : {}),
          }),
        );
      expect((await domainApi('POST', { hostname })).status).toBe(201);
      await setStandInHostname(hostname, change);
      await runPoll(bindings, sent.at(-1)!.body);
      expected.set(event, (await (await domainApi('GET')).json()) as Resource);
      expect((await domainApi('DELETE')).status).toBe(200);
    }

    // Data exports, built by the variants queue: one ready, then one failed by an original missing from R2.
    const exported = async (status: string) => {
      const started = (await (await api(owner, '/v1/me/export', 'POST')).json()) as Resource;
      return waitFor(
        async () => {
          const current = await get(owner, `/v1/me/export/${started.id}`);
          expect(current.status).toBe(status);
          return current;
        },
        { interval: 250 },
      );
    };
    expected.set('export.ready', await exported('ready'));
    const lost = await storeImage(owner.id, {
      filename: 'lost.png',
      bytes: makePng(3, 3),
      contentType: 'image/png',
      width: 3,
      height: 3,
    });
    const [lostRow] = await db.select().from(images).where(eq(images.id, lost.id));
    await env.IMAGES_BUCKET.delete(lostRow!.storageKey);
    expected.set('export.failed', await exported('failed'));

    // Usage: yesterday's CDN bytes past 80 % of the free plan's bandwidth, found by the 02:00 metering.
    const now = new Date();
    const yesterday = now.getTime() - 86_400_000;
    const served = Math.ceil(PLANS.free.maxBandwidthBytes * 0.85);
    await createD1Sink(env.DB).record({
      timestamp: yesterday,
      ownerId: owner.id,
      imageId: uploaded.id,
      variant: 'original',
      status: 200,
      bytes: served,
      cache: 'hit',
      engine: '',
      country: 'XX',
      referrer: '',
      format: 'image/png',
      durationMs: 1,
    });
    await runUsageMetering(env.DB, env.KV, createD1Source(env.DB), now, { enforced: true });
    // A cron job's events wait for the 5-minute outbox sweep (no request flushes them): sent below with the rest.
    await db
      .update(outboxEvents)
      .set({ dispatchedAt: new Date() })
      .where(and(eq(outboxEvents.ownerId, owner.id), eq(outboxEvents.type, 'usage.threshold')));
    expected.set('usage.threshold', {
      limit: 'bandwidth',
      percent: 80,
      used: served,
      max: PLANS.free.maxBandwidthBytes,
      plan: 'free',
      period: periodOf(new Date(yesterday)).key,
    } as unknown as Resource);

    expect([...expected.keys()].sort()).toEqual([...WEBHOOK_EVENTS].sort());

    const jobs = await dispatchedJobs(owner.id);
    expect(jobs.map((job) => job.event.type).sort()).toEqual([...WEBHOOK_EVENTS].sort());
    expect(jobs.every((job) => job.webhookId === hook.id)).toBe(true);
    const result = await consumeWebhookJobs(jobs);
    expect(result.explicitAcks).toHaveLength(jobs.length);

    const received = await receivedBy('payloads');
    expect(received).toHaveLength(WEBHOOK_EVENTS.length);
    const outbox = await db.select().from(outboxEvents).where(eq(outboxEvents.ownerId, owner.id));
    for (const delivery of received) {
      expect(delivery, `signature of ${delivery.webhookId}`).toMatchObject({ verified: true, answered: 200 });
      const envelope = WebhookEnvelopeSchema.strict().parse(delivery.payload) as WebhookEnvelope;
      const type = envelope.type as WebhookEvent;
      const row = outbox.find((event) => event.id === envelope.id)!;
      expect(envelope).toEqual({
        id: delivery.webhookId,
        type: row.type,
        created_at: row.createdAt.toISOString(),
        owner: owner.id,
        data: expected.get(type),
      });
      // Also a valid resource of the documented schema for its type.
      expect(() => WEBHOOK_EVENT_DATA[type].parse(envelope.data), type).not.toThrow();
    }
  });

  it('carries the resource after bulk tag, bulk move and bulk delete too', async () => {
    const { owner } = await loopbackWebhook('payloads-bulk');
    // Stored directly (no upload event, no background variants job), then changed through the API.
    const image = await storeImage(owner.id, {
      filename: 'dune.png',
      bytes: makePng(8, 8),
      contentType: 'image/png',
      width: 8,
      height: 8,
    });
    await api(owner, `/v1/images/${image.id}/favourite`, 'PUT');
    // A private album: moving the image in makes it signed-only, which the events must say as GET does.
    await api(owner, '/v1/albums', 'POST', { slug: 'desert', title: 'Desert', visibility: 'private' });
    const expected: [WebhookEvent, Resource][] = [['album.created', await get(owner, '/v1/albums/desert')]];

    await api(owner, `/v1/images/${image.id}`, 'PATCH', { tags: ['sand'] });
    expected.push(['image.updated', await get(owner, `/v1/images/${image.id}`)]);
    await api(owner, '/v1/images/bulk', 'POST', { action: 'tag', ids: [image.id], tags: ['hot', 'sand'] });
    expected.push(['image.updated', await get(owner, `/v1/images/${image.id}`)]);
    await api(owner, '/v1/images/bulk', 'POST', { action: 'move', ids: [image.id], album: 'desert' });
    expected.push(['image.updated', await get(owner, `/v1/images/${image.id}`)]);
    await api(owner, '/v1/images/bulk', 'POST', { action: 'delete', ids: [image.id] });
    const trash = (await get(owner, '/v1/trash')) as unknown as { data: Resource[] };
    expected.push(['image.deleted', trash.data.find((row) => row.id === image.id)!]);
    expect(expected.map(([, resource]) => resource.favourite ?? 'album')).toEqual([
      'album',
      true,
      true,
      true,
      true,
    ]);
    expect(expected.map(([, resource]) => resource.access ?? 'album')).toEqual([
      'album',
      'public',
      'public',
      'signed',
      'signed',
    ]);

    const jobs = await dispatchedJobs(owner.id);
    await consumeWebhookJobs(jobs);
    const received = await receivedBy('payloads-bulk');
    expect(received.every((delivery) => delivery.verified)).toBe(true);
    expect(received.map((delivery) => delivery.payload)).toEqual(
      expected.map(([type, data]) => expect.objectContaining({ type, owner: owner.id, data })),
    );
  });

  it('says an image uploaded straight into a private album is signed-only, as GET does', async () => {
    const { owner } = await loopbackWebhook('payloads-private-upload');
    await api(owner, '/v1/albums', 'POST', { slug: 'vault', title: 'Vault', visibility: 'private' });
    const uploaded = await upload(owner, uploadForm(makePng(6, 6), 'key.png', { album: 'vault' }));
    expect(uploaded.status).toBe(201);
    const { id } = (await uploaded.json()) as { id: string };
    const resource = await get(owner, `/v1/images/${id}`);
    expect(resource.access).toBe('signed');

    await consumeWebhookJobs(await dispatchedJobs(owner.id));
    const received = await receivedBy('payloads-private-upload');
    const event = received.find(
      (delivery) => (delivery.payload as WebhookEnvelope).type === 'image.uploaded',
    );
    expect(event?.verified).toBe(true);
    // The background variants job may change nothing the resource shows; compare with GET as it is now.
    expect((event?.payload as WebhookEnvelope).data).toEqual(resource);
  });
});
