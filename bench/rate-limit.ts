/**
 * KV writes per request for the API rate limiter: the real token bucket (packages/api) with its in-memory copy
 * (flushing to KV every RATE_LIMIT_FLUSH_INTERVAL_MS) beside the same bucket writing through on every request.
 * KV is an in-process stand-in that counts calls; the limiter code under test is the production code.
 * Run: pnpm exec tsx bench/rate-limit.ts
 */
import { RATE_LIMIT_FLUSH_INTERVAL_MS, RATE_LIMITS } from '../packages/config/src/index';
import { createKvTokenBucket } from '../packages/api/src/services/rate-limit/token-bucket';

class CountingKv {
  readonly store = new Map<string, string>();
  reads = 0;
  writes = 0;
  async get(key: string, _type: 'json'): Promise<unknown> {
    this.reads++;
    const value = this.store.get(key);
    return value === undefined ? null : JSON.parse(value);
  }
  async put(key: string, value: string): Promise<void> {
    this.writes++;
    this.store.set(key, value);
  }
}

interface Scenario {
  name: string;
  keys: number;
  isolates: number;
  requestsPerSecondPerKey: number;
  seconds: number;
}

const scenarios: Scenario[] = [
  {
    name: '1 key, 1 isolate, 5 req/s, 10 min',
    keys: 1,
    isolates: 1,
    requestsPerSecondPerKey: 5,
    seconds: 600,
  },
  {
    name: '50 keys, 1 isolate, 2 req/s, 10 min',
    keys: 50,
    isolates: 1,
    requestsPerSecondPerKey: 2,
    seconds: 600,
  },
  {
    name: '50 keys, 4 isolates, 2 req/s, 10 min',
    keys: 50,
    isolates: 4,
    requestsPerSecondPerKey: 2,
    seconds: 600,
  },
  {
    name: '1 key bursting, 1 isolate, 20 req/s',
    keys: 1,
    isolates: 1,
    requestsPerSecondPerKey: 20,
    seconds: 120,
  },
];

async function run(scenario: Scenario, flushIntervalMs: number) {
  const kv = new CountingKv();
  const isolates = Array.from({ length: scenario.isolates }, () => createKvTokenBucket(flushIntervalMs));
  const pending: Promise<unknown>[] = [];
  const start = 1_800_000_000_000;
  const gapMs = 1000 / scenario.requestsPerSecondPerKey;
  let requests = 0;
  let refused = 0;
  for (let t = 0; t < scenario.seconds * 1000; t += gapMs) {
    for (let k = 0; k < scenario.keys; k++) {
      // Requests of one key land on isolates round-robin, as they would behind Cloudflare's load balancing.
      const limiter = isolates[(requests + k) % isolates.length]!;
      const decision = await limiter.consume(
        kv as unknown as KVNamespace,
        `api:key:${k}`,
        RATE_LIMITS.authenticated,
        {
          now: start + Math.round(t),
          waitUntil: (promise) => pending.push(promise),
          onError: (error) => {
            throw error;
          },
        },
      );
      requests++;
      if (!decision.allowed) refused++;
    }
  }
  await Promise.all(pending);
  return { requests, refused, writes: kv.writes, reads: kv.reads };
}

const pad = (value: string | number, width: number) => String(value).padStart(width);
console.log(
  `${'scenario'.padEnd(40)}${pad('requests', 10)}${pad('writes/req (write-through)', 28)}${pad(`writes/req (cached, ${RATE_LIMIT_FLUSH_INTERVAL_MS / 1000} s flush)`, 34)}${pad('fewer writes', 14)}`,
);
for (const scenario of scenarios) {
  const through = await run(scenario, 0);
  const cached = await run(scenario, RATE_LIMIT_FLUSH_INTERVAL_MS);
  if (through.refused !== cached.refused) {
    console.log(`  note: refusals differ (${through.refused} write-through vs ${cached.refused} cached)`);
  }
  const reduction = (1 - cached.writes / through.writes) * 100;
  console.log(
    `${scenario.name.padEnd(40)}${pad(cached.requests, 10)}${pad((through.writes / through.requests).toFixed(4), 28)}${pad((cached.writes / cached.requests).toFixed(4), 34)}${pad(`${reduction.toFixed(1)} %`, 14)}`,
  );
}
