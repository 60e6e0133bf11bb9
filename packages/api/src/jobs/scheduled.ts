import type { Bindings } from '../lib/env';
import { createLogger, describeError } from '../lib/logger';
import { runBackupSync } from './backups';
import { runAnalyticsRollupJob } from './analytics-rollup';
import { runCleanup, runOutboxSweep } from './cleanup';
import { createJobContext, type CronJob } from './context';

/** Cron expressions in wrangler.toml and the job each runs. Every job is idempotent and safe to run late or twice. */
export const CRON_JOBS: Record<string, { name: string; run: CronJob }> = {
  '0 1 * * *': { name: 'cleanup', run: (ctx, now) => runCleanup(ctx, now) },
  '*/5 * * * *': { name: 'outbox-sweep', run: (ctx, now) => runOutboxSweep(ctx, now) },
  '0 2 * * *': { name: 'analytics-rollup', run: runAnalyticsRollupJob },
  '0 3 * * *': { name: 'backup-sync', run: (ctx, now) => runBackupSync(ctx, now) },
};

export function registerCronJob(cron: string, name: string, run: CronJob) {
  CRON_JOBS[cron] = { name, run };
}

export async function handleScheduled(
  controller: ScheduledController,
  env: Bindings,
  ctx: ExecutionContext,
): Promise<void> {
  const logger = createLogger({ cron: controller.cron });
  const job = CRON_JOBS[controller.cron];
  if (!job) {
    logger.warn('no job for this cron expression');
    return;
  }
  const started = Date.now();
  const jobCtx = createJobContext(env, logger, ctx);
  try {
    const result = await job.run(jobCtx, new Date(controller.scheduledTime));
    logger.info('cron job finished', { job: job.name, durationMs: Date.now() - started, ...result });
  } catch (error) {
    // Logged with the job's name, then rethrown so the runtime records the invocation as failed.
    logger.error('cron job failed', {
      job: job.name,
      durationMs: Date.now() - started,
      ...describeError(error),
    });
    throw error;
  }
}
