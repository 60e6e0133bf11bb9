import { RATE_LIMITS } from '@pixelflare/config';
import { planOf } from '../quotas/quotas';
import { createKvTokenBucket, type RateLimiter } from '../rate-limit/token-bucket';
import { s3Errors } from './xml';

/** What the S3 endpoint's rate limits need from the request: KV, `waitUntil`, a place for KV errors (fail open). */
export interface S3ThrottleDeps {
  kv: KVNamespace;
  enabled: boolean;
  waitUntil: (promise: Promise<unknown>) => void;
  onError: (error: unknown) => void;
}

let limiter: RateLimiter | undefined;
const limiterOf = () => (limiter ??= createKvTokenBucket());
const failureBucket = (ip: string) => `authfail:s3:${ip}`;

/**
 * Refuses a client IP that has used up its failed-authentication allowance (`RATE_LIMITS.failedAuth`) on `/s3`,
 * before its signature is checked: guessing secrets or access key ids stops, right or wrong.
 */
export async function assertS3FailuresAllowed(deps: S3ThrottleDeps, ip: string): Promise<void> {
  if (!deps.enabled) return;
  const state = await limiterOf().peek(deps.kv, failureBucket(ip), RATE_LIMITS.failedAuth, deps);
  if (!state.allowed) throw s3Errors.slowDown(state.retryAfterSeconds);
}

/** Counts an unknown access key or a wrong signature against the client IP. */
export async function recordS3Failure(deps: S3ThrottleDeps, ip: string): Promise<void> {
  if (!deps.enabled) return;
  await limiterOf().consume(deps.kv, failureBucket(ip), RATE_LIMITS.failedAuth, deps);
}

/** Takes a token from the access key's bucket (`RATE_LIMITS.s3` times the plan's multiplier), or `SlowDown`. */
export async function consumeS3Request(
  deps: S3ThrottleDeps,
  caller: { keyId: string; plan: string },
): Promise<void> {
  if (!deps.enabled) return;
  const multiplier = planOf(caller.plan).rateLimitMultiplier;
  const rule = {
    capacity: RATE_LIMITS.s3.capacity * multiplier,
    windowSeconds: RATE_LIMITS.s3.windowSeconds,
  };
  const decision = await limiterOf().consume(deps.kv, `s3:key:${caller.keyId}`, rule, deps);
  if (!decision.allowed) throw s3Errors.slowDown(decision.retryAfterSeconds);
}
