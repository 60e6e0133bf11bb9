import { RATE_LIMIT_FLUSH_INTERVAL_MS, type RateLimitRule } from '@pixelflare/config';

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** Seconds until one token is available (meaningful when refused). */
  retryAfterSeconds: number;
}

export interface ConsumeOptions {
  waitUntil: (promise: Promise<unknown>) => void;
  onError: (error: unknown) => void;
  now?: number;
}

export interface RateLimiter {
  consume(
    kv: KVNamespace,
    key: string,
    rule: RateLimitRule,
    options: ConsumeOptions,
  ): Promise<RateLimitDecision>;
  /**
   * Whether `consume` would allow a request now, without taking a token (a KV read only when this isolate has
   * no copy of the bucket). KV errors answer allowed, as `consume` fails open.
   */
  peek(
    kv: KVNamespace,
    key: string,
    rule: RateLimitRule,
    options: Pick<ConsumeOptions, 'onError' | 'now'>,
  ): Promise<Pick<RateLimitDecision, 'allowed' | 'retryAfterSeconds'>>;
  /** KV writes performed so far (for the benchmark and tests). */
  readonly writes: number;
}

/** Bounds isolate memory; the oldest bucket is dropped first (it is in KV anyway). */
const MAX_CACHED_BUCKETS = 10_000;

interface Bucket {
  tokens: number;
  updatedAt: number;
}
interface CachedBucket extends Bucket {
  flushedAt: number;
  /** A refusal was written through since the last interval flush (other isolates then refuse too). */
  refusalFlushed: boolean;
}

/** Where a bucket is kept in KV. */
const bucketStorageKey = (key: string) => `rl:${key}`;

/** The bucket a caller draws from: per API key, or per user for a session; uploads have a bucket of their own. */
export const principalBucket = (kind: 'api' | 'upload', who: { keyId?: string | null; userId: string }) =>
  `${kind}:${who.keyId ? `key:${who.keyId}` : `user:${who.userId}`}`;

/** Deletes an account's buckets (its sessions' and each of its keys'), in every kind. */
export async function forgetPrincipalBuckets(kv: KVNamespace, userId: string, keyIds: readonly string[]) {
  const who = [{ userId }, ...keyIds.map((keyId) => ({ userId, keyId }))];
  const kinds = ['api', 'upload'] as const;
  await Promise.all(
    kinds.flatMap((kind) => who.map((one) => kv.delete(bucketStorageKey(principalBucket(kind, one))))),
  );
}

/**
 * A token bucket per key, persisted in KV with an in-memory copy in front. The isolate decides from memory and
 * writes back to KV at most every `RATE_LIMIT_FLUSH_INTERVAL_MS` per key (and on the first refusal of a run), which removes most
 * KV writes at the cost of isolates briefly disagreeing: a deliberate, documented trade-off.
 */
export function createKvTokenBucket(flushIntervalMs = RATE_LIMIT_FLUSH_INTERVAL_MS): RateLimiter {
  const memory = new Map<string, CachedBucket>();
  let writes = 0;

  return {
    get writes() {
      return writes;
    },
    async peek(kv, key, rule, { onError, now = Date.now() }) {
      const ratePerMs = rule.capacity / (rule.windowSeconds * 1000);
      const storageKey = bucketStorageKey(key);
      let bucket: Bucket | null | undefined = memory.get(storageKey);
      if (!bucket) {
        try {
          bucket = await kv.get<Bucket>(storageKey, 'json');
        } catch (error) {
          onError(error);
          return { allowed: true, retryAfterSeconds: 0 };
        }
      }
      if (!bucket) return { allowed: true, retryAfterSeconds: 0 };
      const tokens = Math.min(rule.capacity, bucket.tokens + (now - bucket.updatedAt) * ratePerMs);
      return tokens >= 1
        ? { allowed: true, retryAfterSeconds: 0 }
        : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / ratePerMs / 1000)) };
    },
    async consume(kv, key, rule, { waitUntil, onError, now = Date.now() }) {
      const ratePerMs = rule.capacity / (rule.windowSeconds * 1000);
      const storageKey = bucketStorageKey(key);
      let bucket = memory.get(storageKey);
      if (!bucket) {
        let stored: Bucket | null;
        try {
          stored = await kv.get<Bucket>(storageKey, 'json');
        } catch (error) {
          onError(error);
          return {
            allowed: true,
            limit: rule.capacity,
            remaining: rule.capacity - 1,
            resetSeconds: 0,
            retryAfterSeconds: 0,
          };
        }
        bucket = {
          ...(stored ?? { tokens: rule.capacity, updatedAt: now }),
          flushedAt: stored ? now : 0,
          refusalFlushed: false,
        };
        if (memory.size >= MAX_CACHED_BUCKETS) memory.delete(memory.keys().next().value as string);
        memory.set(storageKey, bucket);
      }
      const refilled = Math.min(rule.capacity, bucket.tokens + (now - bucket.updatedAt) * ratePerMs);
      const allowed = refilled >= 1;
      bucket.tokens = allowed ? refilled - 1 : refilled;
      bucket.updatedAt = now;
      // The first refusal in a flush interval is written through so other isolates learn the bucket is empty;
      // later ones wait for the interval, or a client hammering a 429 would cost one KV write per request.
      const intervalDue = now - bucket.flushedAt >= flushIntervalMs;
      const firstRefusal = !allowed && !bucket.refusalFlushed;
      if (firstRefusal || intervalDue) {
        bucket.refusalFlushed = firstRefusal && !intervalDue;
        bucket.flushedAt = now;
        writes++;
        const value = JSON.stringify({ tokens: bucket.tokens, updatedAt: bucket.updatedAt } satisfies Bucket);
        waitUntil(
          kv.put(storageKey, value, { expirationTtl: Math.max(60, rule.windowSeconds * 2) }).catch(onError),
        );
      }
      return {
        allowed,
        limit: rule.capacity,
        remaining: Math.max(0, Math.floor(bucket.tokens)),
        resetSeconds: Math.ceil((rule.capacity - bucket.tokens) / ratePerMs / 1000),
        retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerMs / 1000)),
      };
    },
  };
}
