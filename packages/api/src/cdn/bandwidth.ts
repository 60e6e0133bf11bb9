import type { Context } from 'hono';
import { AppError } from '../lib/errors';
import { IsolateCache } from '../lib/isolate-cache';
import type { AppEnv } from '../lib/types';
import { bandwidthBlockKey } from '../services/quotas/metering';

/** What this isolate last read per owner; bounded, and re-read after a minute. */
const isolate = new IsolateCache<boolean>(60_000, 10_000);

/**
 * Bandwidth over a `block` plan's limit (usage limits enforced): the 02:00 metering flags the owner in KV for
 * the rest of the period, and their CDN answers are 429. Off unless `USAGE_LIMITS_ENABLED`, so the default path
 * does no work; on, one KV read per owner and isolate a minute. KV errors serve (fail open).
 */
export async function enforceBandwidth(c: Context<AppEnv>, ownerSlug: string): Promise<void> {
  if (!c.get('config').USAGE_LIMITS_ENABLED) return;
  let blocked = isolate.get(ownerSlug)?.value;
  if (blocked === undefined) {
    const flag = await c.env.KV.get(bandwidthBlockKey(ownerSlug)).catch(() => null);
    blocked = flag !== null;
    isolate.set(ownerSlug, blocked);
  }
  if (blocked) {
    throw new AppError(
      429,
      'QUOTA_EXCEEDED',
      "Bandwidth limit reached: this account has served its plan's bandwidth for the period",
      undefined,
      { 'Cache-Control': 'no-store' },
    );
  }
}
