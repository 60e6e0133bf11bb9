import { createDb, type Database } from '@pixelflare/database';
import { loadEnv, type Bindings, type EnvVars } from '../lib/env';
import type { Logger } from '../lib/logger';

/** What every queue consumer and cron job is handed: bindings, validated config, database, logger. */
export interface JobContext {
  env: Bindings;
  config: EnvVars;
  db: Database;
  logger: Logger;
  waitUntil: (promise: Promise<unknown>) => void;
}

/** The context of one queue batch or cron run, built the same way for both. */
export function createJobContext(env: Bindings, logger: Logger, ctx: ExecutionContext): JobContext {
  return {
    env,
    config: loadEnv(env),
    db: createDb(env.DB),
    logger,
    waitUntil: (promise) => ctx.waitUntil(promise),
  };
}

/** A consumer handles one message; throwing retries that message (with backoff) until it reaches the DLQ. */
export type MessageConsumer = (body: unknown, ctx: JobContext, message: Message) => Promise<void>;

/** A cron job: idempotent and safe to run late or twice; what it returns is logged. */
export type CronJob = (ctx: JobContext, scheduledTime: Date) => Promise<Record<string, unknown>>;

/** Thrown by a consumer that wants its message retried after a delay of its own choosing. */
export class RetryLater extends Error {
  constructor(
    readonly delaySeconds: number,
    message = `retry in ${delaySeconds} s`,
  ) {
    super(message);
    this.name = 'RetryLater';
  }
}
