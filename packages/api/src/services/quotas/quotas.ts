import { PLANS, QUOTA_GRACE_RATIO, type PlanLimits, type PlanTier } from '@pixelflare/config';
import type { User } from '@pixelflare/database';
import { AppError } from '../../lib/errors';
import type { EnvVars } from '../../lib/env';

export interface UsageLine {
  used: number;
  /** null: no limit. */
  limit: number | null;
}

export interface Usage {
  images: UsageLine;
  bytes: UsageLine;
}

/** The plan an account's limits come from (an unknown stored tier counts as free). */
export function planOf(tier: string): PlanLimits {
  return (PLANS as Record<string, PlanLimits>)[tier] ?? PLANS.free;
}

/**
 * The plan a new account starts on. Where limits can apply (USAGE_LIMITS_ENABLED, or Stripe billing selling the
 * paid plans) it is `free`; on a self-hosted instance with neither it is `unlimited`, so its people never see a
 * limit that is not theirs, and turning enforcement on later does not put them on the free plan's limits.
 */
export function newAccountPlan(config: Pick<EnvVars, 'USAGE_LIMITS_ENABLED' | 'STRIPE_ENABLED'>): PlanTier {
  return config.USAGE_LIMITS_ENABLED || config.STRIPE_ENABLED ? 'free' : 'unlimited';
}

export const isPlanTier = (tier: string): tier is PlanTier => Object.hasOwn(PLANS, tier);

/** The user's quotas: per-user overrides, else the plan's values. */
export function usageOf(
  user: Pick<User, 'plan' | 'quotaMaxImages' | 'quotaMaxBytes' | 'imageCount' | 'storageBytes'>,
): Usage {
  const plan = planOf(user.plan);
  return {
    images: { used: user.imageCount, limit: user.quotaMaxImages ?? plan.maxImages },
    bytes: { used: user.storageBytes, limit: user.quotaMaxBytes ?? plan.maxBytes },
  };
}

/** The most a limit allows, with the 1 % grace. */
const allowed = (limit: number) => Math.floor(limit * (1 + QUOTA_GRACE_RATIO));

/**
 * Refuses an upload (403 QUOTA_EXCEEDED) that would take the user past a limit plus the 1% grace. Called before
 * any byte is stored. The counters it reads are kept in step with images in the same D1 batch as each change.
 * The message names the limit (images or storage).
 */
export function assertWithinQuota(usage: Usage, incoming: { images: number; bytes: number }): void {
  const { images, bytes } = usage;
  if (images.limit !== null && images.used + incoming.images > allowed(images.limit)) {
    throw new AppError(
      403,
      'QUOTA_EXCEEDED',
      `Image quota reached: ${images.used} of ${images.limit} images used`,
    );
  }
  if (bytes.limit !== null && bytes.used + incoming.bytes > allowed(bytes.limit)) {
    throw new AppError(
      403,
      'QUOTA_EXCEEDED',
      `Storage quota reached: ${bytes.used} of ${bytes.limit} bytes used`,
    );
  }
}
