import { PLANS, QUOTA_GRACE_RATIO } from '@pixelflare/config';
import type { User } from '@pixelflare/database';
import { AppError } from '../../lib/errors';

export interface Usage {
  images: { used: number; limit: number };
  bytes: { used: number; limit: number };
}

/** The user's quotas: per-user overrides, else the plan's values. */
export function usageOf(
  user: Pick<User, 'plan' | 'quotaMaxImages' | 'quotaMaxBytes' | 'imageCount' | 'storageBytes'>,
): Usage {
  const plan = PLANS[user.plan] ?? PLANS.free;
  return {
    images: { used: user.imageCount, limit: user.quotaMaxImages ?? plan.maxImages },
    bytes: { used: user.storageBytes, limit: user.quotaMaxBytes ?? plan.maxBytes },
  };
}

/**
 * Refuses an upload (403 QUOTA_EXCEEDED) that would take the user past a limit plus the 1% grace. Called before
 * any byte is stored. The counters it reads are kept in step with images in the same D1 batch as each change.
 */
export function assertWithinQuota(usage: Usage, incoming: { images: number; bytes: number }): void {
  const allowed = (limit: number) => Math.floor(limit * (1 + QUOTA_GRACE_RATIO));
  if (usage.images.used + incoming.images > allowed(usage.images.limit)) {
    throw new AppError(
      403,
      'QUOTA_EXCEEDED',
      `Image quota reached: ${usage.images.used} of ${usage.images.limit} images used`,
    );
  }
  if (usage.bytes.used + incoming.bytes > allowed(usage.bytes.limit)) {
    throw new AppError(
      403,
      'QUOTA_EXCEEDED',
      `Storage quota reached: ${usage.bytes.used} of ${usage.bytes.limit} bytes used`,
    );
  }
}
