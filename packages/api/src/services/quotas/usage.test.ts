import { MB, PLANS } from '@pixelflare/config';
import { createDb, imageVariants, outboxEvents, usageDaily, users } from '@pixelflare/database';
import { UsageSchema } from '@pixelflare/shared';
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { makePng, storeImage } from '../../../test/fixtures/cdn/images';
import { fixture } from '../../../test/fixtures/fixtures.generated';
import { fetchWith } from '../../../test/fixtures/domain-helpers';
import { authed, BASE, call, createUser, errorOf } from '../../../test/helpers';
import type { Bindings } from '../../lib/env';
import { loadEnv } from '../../lib/env';
import { dayOf } from '../analytics/rollup';
import type { CdnAnswerPoint } from '../analytics/point';
import { createD1Sink } from '../analytics/sink';
import { createD1Source } from '../analytics/source';
import { ingestDepsFrom, ingestImage } from '../ingest/ingest';
import { bandwidthBlockKey, runUsageMetering } from './metering';
import { periodOf } from './period';

const db = () => createDb(env.DB);
const DAY_MS = 86_400_000;
const now = new Date();
const yesterdayNoon = Date.parse(`${dayOf(now.getTime() - DAY_MS)}T12:00:00Z`);

/** Writes CDN answers through the real D1 sink, as the CDN path does. */
async function served(ownerId: string, at: number, answers: Partial<CdnAnswerPoint>[]) {
  const sink = createD1Sink(env.DB);
  for (const fields of answers) {
    await sink.record({
      timestamp: at,
      ownerId,
      imageId: 'img_x',
      variant: 'original',
      status: 200,
      bytes: 1000,
      cache: 'hit',
      engine: '',
      country: 'DE',
      referrer: '',
      format: 'image/jpeg',
      durationMs: 1,
      ...fields,
    });
  }
}

/** Meters again from scratch (forgets which days were metered), as a re-run after a lost ledger would. */
async function meter(enforced: boolean, options: { again?: boolean } = {}) {
  if (options.again) await env.DB.prepare('DELETE FROM usage_metered_days').run();
  return runUsageMetering(env.DB, env.KV, createD1Source(env.DB), now, { enforced });
}

const thresholdEvents = async (ownerId: string) =>
  (
    await db()
      .select()
      .from(outboxEvents)
      .where(and(eq(outboxEvents.ownerId, ownerId), eq(outboxEvents.type, 'usage.threshold')))
  ).map((row) => row.payload as { limit: string; percent: number; used: number; max: number });

const usage = async (key: string) => {
  const response = await call('/v1/usage', authed(key));
  expect(response.status).toBe(200);
  return UsageSchema.strict().parse(await response.json());
};

describe('usage metering', () => {
  it("meters a day's CDN answers, bytes and transforms per account, with a storage snapshot, idempotently", async () => {
    const owner = await createUser('meter-a');
    const other = await createUser('meter-b');
    const image = await storeImage(owner.id, {
      filename: 'a.png',
      bytes: makePng(4, 4),
      contentType: 'image/png',
      width: 4,
      height: 4,
    });
    await db().insert(imageVariants).values({
      id: 'var_meter_a',
      imageId: image.id,
      ownerId: owner.id,
      name: 'thumb',
      variantKey: 'thumb',
      format: 'webp',
      status: 'ready',
      bytes: 321,
    });
    await db().update(users).set({ imageCount: 1, storageBytes: 4096 }).where(eq(users.id, owner.id));
    await served(owner.id, yesterdayNoon, [
      { cache: 'miss', bytes: 700 },
      { bytes: 300 },
      { cache: 'stored' },
    ]);
    await served(other.id, yesterdayNoon, [{ bytes: 50 }]);

    const first = await meter(false);
    expect(first.completed).toContain(dayOf(yesterdayNoon));
    const rows = async () =>
      db()
        .select()
        .from(usageDaily)
        .where(and(eq(usageDaily.ownerId, owner.id), eq(usageDaily.date, dayOf(yesterdayNoon))));
    const expected = {
      requests: 3,
      bandwidthBytes: 2000,
      transforms: 1,
      images: 1,
      originalBytes: 4096,
      renditionBytes: 321,
    };
    expect(await rows()).toEqual([{ ownerId: owner.id, date: dayOf(yesterdayNoon), ...expected }]);

    // Running again does nothing new; metering the day again from scratch gives the same row.
    expect((await meter(false)).completed).toEqual([]);
    await meter(false, { again: true });
    expect(await rows()).toEqual([{ ownerId: owner.id, date: dayOf(yesterdayNoon), ...expected }]);
  });

  it('GET /v1/usage adds metered days and the answers not metered yet, with the plan limits', async () => {
    const owner = await createUser('usage-report');
    const period = periodOf(now);
    const yesterdayCounts = dayOf(yesterdayNoon) >= period.start;
    await served(owner.id, yesterdayNoon, [{ cache: 'miss', bytes: 1000 }]);
    await meter(false, { again: true });
    await served(owner.id, now.getTime() - 1, [{ bytes: 500 }]);

    const report = await usage(owner.key);
    expect(report).toMatchObject({
      plan: 'free',
      enforced: false,
      images: { used: 0, limit: PLANS.free.maxImages },
      bytes: { used: 0, limit: PLANS.free.maxBytes },
      period: { start: period.start, end: period.end },
      storage: { originals: 0, renditions: 0 },
      bandwidth: {
        used: yesterdayCounts ? 1500 : 500,
        limit: PLANS.free.maxBandwidthBytes,
        over: false,
        policy: 'block',
      },
      transforms: yesterdayCounts ? 1 : 0,
      requests: yesterdayCounts ? 2 : 1,
      rate_limit_multiplier: 1,
    });

    await db().update(users).set({ plan: 'unlimited' }).where(eq(users.id, owner.id));
    expect(await usage(owner.key)).toMatchObject({
      plan: 'unlimited',
      images: { limit: null },
      bytes: { limit: null },
      bandwidth: { limit: null, over: false },
    });
  });
});

describe('limits', () => {
  const deps = (enforced: boolean) =>
    ingestDepsFrom(db(), env, { ...loadEnv(env), USAGE_LIMITS_ENABLED: enforced });
  const uploadAs = (ownerId: string, enforced = true) =>
    ingestImage(deps(enforced), { ownerId, bytes: fixture('tiny.webp'), metadata: {}, way: 'one-shot' });

  it("refuses an upload past the free plan's storage (403 QUOTA_EXCEEDED naming storage)", async () => {
    const owner = await createUser('limit-storage');
    await db()
      .update(users)
      .set({ storageBytes: PLANS.free.maxBytes * 1.01 })
      .where(eq(users.id, owner.id));
    await expect(uploadAs(owner.id)).rejects.toMatchObject({
      status: 403,
      code: 'QUOTA_EXCEEDED',
      message: expect.stringMatching(/^Storage quota reached/),
    });
    // Not enforced: the same upload is taken.
    await expect(uploadAs(owner.id, false)).resolves.toMatchObject({ duplicate: false });
  });

  it("refuses at each plan's documented image and storage limits (with the 1 % grace), and not before", async () => {
    for (const tier of ['free', 'starter', 'pro'] as const) {
      const plan = PLANS[tier];
      const owner = await createUser(`limit-${tier}`);
      const set = (values: { imageCount?: number; storageBytes?: number }) =>
        db()
          .update(users)
          .set({ plan: tier, imageCount: 0, storageBytes: 0, ...values })
          .where(eq(users.id, owner.id));
      await set({ imageCount: Math.floor(plan.maxImages * 1.01) });
      await expect(uploadAs(owner.id), tier).rejects.toMatchObject({
        code: 'QUOTA_EXCEEDED',
        message: `Image quota reached: ${Math.floor(plan.maxImages * 1.01)} of ${plan.maxImages} images used`,
      });
      await set({ storageBytes: Math.floor(plan.maxBytes * 1.01) });
      await expect(uploadAs(owner.id), tier).rejects.toMatchObject({
        code: 'QUOTA_EXCEEDED',
        message: expect.stringMatching(/^Storage quota reached/),
      });
      await set({ imageCount: plan.maxImages - 1, storageBytes: plan.maxBytes - 1024 * 1024 });
      await expect(uploadAs(owner.id), tier).resolves.toMatchObject({ duplicate: false });
    }
  });

  it('takes uploads on the unlimited plan whatever the counts', async () => {
    const owner = await createUser('limit-unlimited');
    await db()
      .update(users)
      .set({ plan: 'unlimited', imageCount: 10_000_000, storageBytes: 10_000 * 1024 * MB })
      .where(eq(users.id, owner.id));
    await expect(uploadAs(owner.id)).resolves.toMatchObject({ duplicate: false });
  });
});

describe('usage.threshold', () => {
  it('is written once per period and limit at 80 % and at 100 % of images and storage, with the upload', async () => {
    const owner = await createUser('threshold-upload');
    // Three PNGs of about the same size: a third, two thirds, then all of a storage quota of their sum.
    const sizes = [20, 21, 22];
    const stored = async (side: number) => (await upload(side)).image.bytes;
    await db()
      .update(users)
      .set({
        imageCount: 79,
        quotaMaxBytes: sizes.reduce((sum, side) => sum + makePng(side, side).length, 0),
      })
      .where(eq(users.id, owner.id));
    const deps = ingestDepsFrom(db(), env, { ...loadEnv(env), USAGE_LIMITS_ENABLED: true });
    const upload = (side: number) =>
      ingestImage(deps, { ownerId: owner.id, bytes: makePng(side, side), metadata: {}, way: 'one-shot' });
    await stored(sizes[0]!); // 80 images of 100; storage 1/3
    expect(await thresholdEvents(owner.id)).toEqual([
      { limit: 'images', percent: 80, used: 80, max: 100, plan: 'free', period: periodOf(now).key },
    ]);
    await stored(sizes[1]!); // 81 images; storage 2/3
    expect(await thresholdEvents(owner.id)).toHaveLength(1);
    await stored(sizes[2]!); // storage 3/3: 80 % and 100 % at once
    expect((await thresholdEvents(owner.id)).map((event) => [event.limit, event.percent]).sort()).toEqual([
      ['images', 80],
      ['storage', 100],
      ['storage', 80],
    ]);
  });

  it('is written for bandwidth by the metering, once; a block plan past its bandwidth gets 429 from the CDN', async () => {
    const owner = await createUser('threshold-bandwidth');
    const image = await storeImage(owner.id, {
      filename: 'b.png',
      bytes: makePng(3, 3),
      contentType: 'image/png',
      width: 3,
      height: 3,
    });
    const limit = PLANS.free.maxBandwidthBytes;
    // Metered into the current period: yesterday if it belongs to it, else today's answers wait for tomorrow.
    const at = dayOf(yesterdayNoon) >= periodOf(now).start ? yesterdayNoon : null;
    if (at === null) return;
    await served(owner.id, at, [{ bytes: Math.ceil(limit * 0.85) }]);
    await meter(true, { again: true });
    expect(await thresholdEvents(owner.id)).toMatchObject([{ limit: 'bandwidth', percent: 80, max: limit }]);
    await meter(true, { again: true });
    expect(await thresholdEvents(owner.id)).toHaveLength(1);
    expect(await env.KV.get(bandwidthBlockKey(owner.slug))).toBeNull();

    const enforcing = { ...env, USAGE_LIMITS_ENABLED: 'true' } as Bindings;
    const cdnUrl = `${BASE}/cdn/i/${image.shortId}`;
    await served(owner.id, at + 1000, [{ bytes: Math.ceil(limit * 0.2) }]);
    const result = await meter(true, { again: true });
    expect(result.blocked).toContain(owner.id);
    expect((await thresholdEvents(owner.id)).map((event) => event.percent).sort()).toEqual([100, 80]);
    expect((await usage(owner.key)).bandwidth).toMatchObject({ over: true, policy: 'block' });
    const refused = await fetchWith(enforcing, cdnUrl);
    expect(refused.status).toBe(429);
    expect((await errorOf(refused)).message).toMatch(/^Bandwidth limit reached/);
    // Without enforcement the same image is served.
    expect((await call(`/cdn/i/${image.shortId}`)).status).toBe(200);
    // An administrator moving the account to another plan lifts the block.
    const admin = await createUser('threshold-admin', { isAdmin: true });
    const moved = await call(
      `/v1/admin/users/${owner.id}/plan`,
      authed(admin.key, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ plan: 'starter' }),
      }),
    );
    expect(moved.status).toBe(200);
    expect(await env.KV.get(bandwidthBlockKey(owner.slug))).toBeNull();
  });
});
