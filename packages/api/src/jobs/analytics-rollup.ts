import { createSource } from '../services/analytics/source';
import { pruneAnalytics, runAnalyticsRollup } from '../services/analytics/rollup';
import { runUsageMetering } from '../services/quotas/metering';
import type { CronJob } from './context';

/**
 * 02:00 UTC: rolls yesterday (and any day missed) into analytics_daily from the sink's store (D1's
 * analytics_events, or Analytics Engine's SQL API), then applies ANALYTICS_RETENTION_DAYS. Bounded per run;
 * a re-run continues, and re-rolling a day replaces its rows. Usage metering (usage_daily) runs in between.
 */
export const runAnalyticsRollupJob: CronJob = async (ctx, now) => {
  const { config, env } = ctx;
  const source = createSource(config.ANALYTICS_SINK, env.DB, {
    baseUrl: config.CLOUDFLARE_API_BASE_URL,
    accountId: config.CLOUDFLARE_ACCOUNT_ID,
    token: config.CLOUDFLARE_ANALYTICS_TOKEN,
  });
  const rollup = await runAnalyticsRollup(env.DB, source, now);
  // Metered before pruning, from the same raw answers (services/quotas/metering.ts).
  const metering = await runUsageMetering(env.DB, env.KV, source, now, {
    enforced: config.USAGE_LIMITS_ENABLED,
  });
  const pruned = await pruneAnalytics(env.DB, now, config.ANALYTICS_RETENTION_DAYS);
  return { sink: source.name, ...rollup, metering, pruned };
};
