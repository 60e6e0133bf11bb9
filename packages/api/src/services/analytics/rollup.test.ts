import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { handleScheduled } from '../../jobs/scheduled';
import type { Bindings } from '../../lib/env';
import {
  SQL_API_TEST_ACCOUNT,
  SQL_API_TEST_TOKEN,
  type StandInPoint,
} from '../../../test/global-setup-analytics-sql';
import { toDataPoint, type CdnAnswerPoint } from './point';
import { pruneAnalytics, runAnalyticsRollup } from './rollup';
import { createD1Source, createEngineSource } from './source';
import { SqlApiError } from './sql-api';

const standIn = inject('analyticsSqlStandIn');
const standInOrigin = new URL(standIn).origin;
const NOW = new Date('2026-12-02T02:00:00Z');

interface DailyRow {
  owner_id: string;
  date: string;
  image_id: string;
  variant: string;
  country: string;
  referrer: string;
  requests: number;
  bandwidth: number;
  hits: number;
  misses: number;
}

const answer = (at: string, fields: Partial<CdnAnswerPoint> = {}): CdnAnswerPoint => ({
  timestamp: Date.parse(at),
  ownerId: 'usr_a',
  imageId: 'img_1',
  variant: 'original',
  status: 200,
  bytes: 1000,
  cache: 'miss',
  engine: '',
  country: 'DE',
  referrer: 'blog.example.com',
  format: 'image/jpeg',
  durationMs: 3,
  ...fields,
});

/** The fixture: two days of answers, two owners, and one answer nobody owns (a 404). */
const FIXTURE: CdnAnswerPoint[] = [
  answer('2026-11-30T10:00:00Z'),
  answer('2026-11-30T11:00:00Z', { cache: 'hit' }),
  answer('2026-11-30T23:59:59Z', { cache: 'hit', bytes: 500 }),
  answer('2026-11-30T12:00:00Z', { country: 'FR', referrer: '' }),
  answer('2026-11-30T12:30:00Z', { ownerId: '', imageId: '', status: 404, bytes: 0, cache: 'none' }),
  answer('2026-12-01T00:00:00Z', { variant: 'w256', bytes: 200 }),
  answer('2026-12-01T08:00:00Z', { ownerId: 'usr_b', imageId: 'img_9', bytes: 4000, cache: 'hit' }),
  // Today: not rolled up until tomorrow night.
  answer('2026-12-02T01:00:00Z'),
];

const EXPECTED: Omit<DailyRow, 'owner_id'>[] & { owner_id?: string }[] = [
  {
    owner_id: 'usr_a',
    date: '2026-11-30',
    image_id: 'img_1',
    variant: 'original',
    country: 'DE',
    referrer: 'blog.example.com',
    requests: 3,
    bandwidth: 2500,
    hits: 2,
    misses: 1,
  },
  {
    owner_id: 'usr_a',
    date: '2026-11-30',
    image_id: 'img_1',
    variant: 'original',
    country: 'FR',
    referrer: '',
    requests: 1,
    bandwidth: 1000,
    hits: 0,
    misses: 1,
  },
  {
    owner_id: 'usr_a',
    date: '2026-12-01',
    image_id: 'img_1',
    variant: 'w256',
    country: 'DE',
    referrer: 'blog.example.com',
    requests: 1,
    bandwidth: 200,
    hits: 0,
    misses: 1,
  },
  {
    owner_id: 'usr_b',
    date: '2026-12-01',
    image_id: 'img_9',
    variant: 'original',
    country: 'DE',
    referrer: 'blog.example.com',
    requests: 1,
    bandwidth: 4000,
    hits: 1,
    misses: 0,
  },
];

async function insertEvents(points: CdnAnswerPoint[]) {
  const insert = env.DB.prepare(
    'INSERT INTO analytics_events (ts, owner_id, image_id, variant, status, bytes, cache, engine, country, referrer, format, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  await env.DB.batch(
    points.map((p) =>
      insert.bind(
        p.timestamp,
        p.ownerId,
        p.imageId,
        p.variant,
        p.status,
        p.bytes,
        p.cache,
        p.engine,
        p.country,
        p.referrer,
        p.format,
        p.durationMs,
      ),
    ),
  );
}

const daily = async () =>
  (
    await env.DB.prepare(
      'SELECT * FROM analytics_daily ORDER BY date, owner_id, image_id, variant, country, referrer',
    ).all<DailyRow>()
  ).results;

beforeEach(async () => {
  await env.DB.batch([
    env.DB.prepare('DELETE FROM analytics_events'),
    env.DB.prepare('DELETE FROM analytics_daily'),
    env.DB.prepare('DELETE FROM analytics_rollups'),
  ]);
});

describe('the 02:00 rollup over the D1 sink', () => {
  it('rolls each past day into analytics_daily with known totals, skipping unowned answers and today', async () => {
    await insertEvents(FIXTURE);
    const result = await runAnalyticsRollup(env.DB, createD1Source(env.DB), NOW);
    expect(result.completed).toEqual(['2026-11-30', '2026-12-01']);
    expect(result.partial).toBeUndefined();
    expect(await daily()).toEqual(EXPECTED);
  });

  it('is idempotent: a second run has nothing due, and rolling a day up again gives the same rows', async () => {
    await insertEvents(FIXTURE);
    await runAnalyticsRollup(env.DB, createD1Source(env.DB), NOW);
    const again = await runAnalyticsRollup(env.DB, createD1Source(env.DB), NOW);
    expect(again.completed).toEqual([]);
    await env.DB.prepare('DELETE FROM analytics_rollups').run();
    const redo = await runAnalyticsRollup(env.DB, createD1Source(env.DB), NOW);
    expect(redo.completed).toEqual(['2026-11-30', '2026-12-01']);
    expect(await daily()).toEqual(EXPECTED);
  });

  it('catches up every day missed since the last one completed, run late', async () => {
    await insertEvents(FIXTURE);
    await runAnalyticsRollup(env.DB, createD1Source(env.DB), new Date('2026-12-01T02:00:00Z'));
    // Two nights missed: the run on the 3rd, late in the day, does the 1st and 2nd.
    await insertEvents([answer('2026-12-02T05:00:00Z', { imageId: 'img_2' })]);
    const late = await runAnalyticsRollup(env.DB, createD1Source(env.DB), new Date('2026-12-03T17:45:00Z'));
    expect(late.completed).toEqual(['2026-12-01', '2026-12-02']);
    const days = (await daily()).map((row) => `${row.date} ${row.image_id} ${row.requests}`);
    expect(days).toContain('2026-12-02 img_1 1');
    expect(days).toContain('2026-12-02 img_2 1');
  });

  it('stops at its budget and resumes where it stopped, ending with the same rows', async () => {
    await insertEvents(FIXTURE);
    const budget = { pageSize: 1, pagesPerRun: 2, daysPerRun: 7 };
    const first = await runAnalyticsRollup(env.DB, createD1Source(env.DB), NOW, budget);
    expect(first).toMatchObject({ pages: 2, partial: '2026-11-30', completed: [] });
    let runs = 1;
    let last = first;
    while (last.partial && runs < 10) {
      last = await runAnalyticsRollup(env.DB, createD1Source(env.DB), NOW, budget);
      runs++;
    }
    expect(last.partial).toBeUndefined();
    expect(runs).toBeGreaterThan(2);
    expect(await daily()).toEqual(EXPECTED);
  });

  it('deletes raw answers, daily rows and ledger rows older than ANALYTICS_RETENTION_DAYS', async () => {
    await insertEvents(FIXTURE);
    await runAnalyticsRollup(env.DB, createD1Source(env.DB), NOW);
    // Keep 1 day at 2026-12-02T02:00: the cut-off is 2026-12-01T02:00.
    const pruned = await pruneAnalytics(env.DB, NOW, 1, { retentionBatch: 2, retentionBatchesPerRun: 10 });
    expect(pruned.events).toBe(6);
    expect(pruned.daily).toBe(2);
    expect((await daily()).map((row) => row.date)).toEqual(['2026-12-01', '2026-12-01']);
    const left = await env.DB.prepare('SELECT COUNT(*) AS n FROM analytics_events').first<{ n: number }>();
    expect(left?.n).toBe(2);
  });

  it('runs from the 02:00 cron with the configured sink and retention', async () => {
    await insertEvents(FIXTURE);
    const ctx = createExecutionContext();
    await handleScheduled(
      createScheduledController({ cron: '0 2 * * *', scheduledTime: NOW.getTime() }),
      { ...env, ANALYTICS_RETENTION_DAYS: '90' } as Bindings,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(await daily()).toEqual(EXPECTED);
  });
});

describe('the rollup over Analytics Engine, read through the SQL API (a local stand-in)', () => {
  const config = { baseUrl: standIn, accountId: SQL_API_TEST_ACCOUNT, token: SQL_API_TEST_TOKEN };
  const file = async (points: StandInPoint[]) => {
    const response = await fetch(`${standInOrigin}/__test/points`, {
      method: 'POST',
      body: JSON.stringify(points),
    });
    expect(response.status).toBe(200);
  };
  /** What writeDataPoint was given, filed with its time and the sampling it stands for. */
  const asWritten = (point: CdnAnswerPoint, sampleInterval = 1): StandInPoint =>
    ({
      dataset: 'pixelflare_cdn',
      timestamp: new Date(point.timestamp).toISOString().slice(0, 19).replace('T', ' '),
      sampleInterval,
      ...toDataPoint(point),
    }) as StandInPoint;

  beforeEach(async () => {
    await fetch(`${standInOrigin}/__test/points`, { method: 'DELETE' });
  });

  it('gives the same rows as the D1 sink for the same answers', async () => {
    await file(FIXTURE.map((point) => asWritten(point)));
    const result = await runAnalyticsRollup(env.DB, createEngineSource(config), NOW);
    // Nothing was rolled up yet and Analytics Engine cannot say where its data starts: yesterday only.
    expect(result.completed).toEqual(['2026-12-01']);
    expect(await daily()).toEqual(EXPECTED.filter((row) => row.date === '2026-12-01'));
    const { queries } = (await (await fetch(`${standInOrigin}/__test/queries`)).json()) as {
      queries: string[];
    };
    expect(queries[0]).toContain('SUM(_sample_interval)');
  });

  it('weights sampled rows by _sample_interval', async () => {
    await env.DB.prepare(
      "INSERT INTO analytics_rollups (date, next_offset, completed_at, rows) VALUES ('2026-11-29', 0, 1, 0)",
    ).run();
    await file([asWritten(FIXTURE[0]!, 10), asWritten(FIXTURE[1]!, 5)]);
    await runAnalyticsRollup(env.DB, createEngineSource(config), NOW);
    const [row] = await daily();
    expect(row).toMatchObject({ date: '2026-11-30', requests: 15, bandwidth: 15_000, hits: 5, misses: 10 });
  });

  it('pages with LIMIT/OFFSET inside the budget', async () => {
    await file(FIXTURE.map((point) => asWritten(point)));
    const first = await runAnalyticsRollup(env.DB, createEngineSource(config), NOW, {
      pageSize: 1,
      pagesPerRun: 1,
      daysPerRun: 7,
    });
    expect(first.partial).toBe('2026-12-01');
    await runAnalyticsRollup(env.DB, createEngineSource(config), NOW);
    expect(await daily()).toEqual(EXPECTED.filter((row) => row.date === '2026-12-01'));
  });

  it('fails the run on a refused token without touching analytics_daily', async () => {
    await file(FIXTURE.map((point) => asWritten(point)));
    const wrong = createEngineSource({ ...config, token: 'not-the-token' });
    const failure = await runAnalyticsRollup(env.DB, wrong, NOW).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SqlApiError);
    expect((failure as SqlApiError).status).toBe(401);
    expect(await daily()).toEqual([]);
  });

  it('reads hourly totals for one owner', async () => {
    await file(FIXTURE.map((point) => asWritten(point)));
    const hours = await createEngineSource(config).hourly(
      'usr_a',
      Date.parse('2026-11-30T00:00:00Z'),
      Date.parse('2026-12-01T00:00:00Z'),
    );
    expect(hours.map((hour) => [new Date(hour.hour).toISOString().slice(11, 13), hour.requests])).toEqual([
      ['10', 1],
      ['11', 1],
      ['12', 1],
      ['23', 1],
    ]);
  });
});
