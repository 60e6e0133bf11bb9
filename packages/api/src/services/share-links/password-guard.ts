import { RATE_LIMITS } from '@pixelflare/config';
import { createKvTokenBucket, type RateLimiter } from '../rate-limit/token-bucket';

let limiter: RateLimiter | undefined;

export interface GuardDeps {
  kv: KVNamespace;
  waitUntil: (promise: Promise<unknown>) => void;
  onError: (error: unknown) => void;
}

const buckets = (linkId: string, ip: string) =>
  [
    { key: `share-pw:link:${linkId}`, rule: RATE_LIMITS.sharePasswordPerLink },
    { key: `share-pw:ip:${ip}`, rule: RATE_LIMITS.sharePasswordPerIp },
  ] as const;

/**
 * Seconds until this IP may try a password on this link again, or 0 if it may now. Checked before the password
 * is hashed, so once either bucket is empty guesses stop (right or wrong) and cost no KDF time.
 */
export async function passwordRetryAfter(deps: GuardDeps, linkId: string, ip: string): Promise<number> {
  limiter ??= createKvTokenBucket();
  const states = await Promise.all(
    buckets(linkId, ip).map(({ key, rule }) => limiter!.peek(deps.kv, key, rule, { onError: deps.onError })),
  );
  return Math.max(0, ...states.map((state) => (state.allowed ? 0 : state.retryAfterSeconds)));
}

/** A wrong password takes a token from the link's bucket and the IP's. */
export async function countWrongPassword(deps: GuardDeps, linkId: string, ip: string): Promise<void> {
  limiter ??= createKvTokenBucket();
  await Promise.all(buckets(linkId, ip).map(({ key, rule }) => limiter!.consume(deps.kv, key, rule, deps)));
}
