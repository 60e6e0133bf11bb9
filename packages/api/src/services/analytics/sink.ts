import type { AnalyticsSinkName } from '@pixelflare/config';
import { toDataPoint, type CdnAnswerPoint } from './point';

/** Where CDN answers are counted. `record` may throw or hang: callers run it off the response path. */
export interface AnalyticsSink {
  readonly name: AnalyticsSinkName;
  record(point: CdnAnswerPoint): Promise<void>;
}

/** Workers Analytics Engine: one `writeDataPoint` per answer (see ENGINE_LAYOUT). */
export function createEngineSink(dataset: AnalyticsEngineDataset): AnalyticsSink {
  return {
    name: 'engine',
    async record(point) {
      // writeDataPoint answers synchronously; awaiting its result also surfaces a wrapper's rejection.
      await Promise.resolve(dataset.writeDataPoint(toDataPoint(point)) as unknown);
    },
  };
}

const INSERT_EVENT =
  'INSERT INTO analytics_events (ts, owner_id, image_id, variant, status, bytes, cache, engine, country, ' +
  'referrer, format, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

/** D1: one `analytics_events` row per answer. For local development and small self-hosted instances. */
export function createD1Sink(db: D1Database): AnalyticsSink {
  return {
    name: 'd1',
    async record(point) {
      // Awaited as a value, so a test's fault wrapper (test/fixtures/faults.ts) can fail or hold this step.
      const statement = await Promise.resolve(db.prepare(INSERT_EVENT));
      await statement
        .bind(
          point.timestamp,
          point.ownerId,
          point.imageId,
          point.variant,
          point.status,
          point.bytes,
          point.cache,
          point.engine,
          point.country,
          point.referrer,
          point.format,
          point.durationMs,
        )
        .run();
    },
  };
}

/** The sink `ANALYTICS_SINK` names; `engine` needs the `ANALYTICS` binding (wrangler.toml). */
export function createSink(
  name: AnalyticsSinkName,
  bindings: { DB: D1Database; ANALYTICS?: AnalyticsEngineDataset },
): AnalyticsSink {
  if (name === 'engine') {
    if (!bindings.ANALYTICS) throw new Error('ANALYTICS_SINK=engine but the ANALYTICS binding is missing');
    return createEngineSink(bindings.ANALYTICS);
  }
  return createD1Sink(bindings.DB);
}
