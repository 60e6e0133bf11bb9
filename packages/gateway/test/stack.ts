// The three Workers together in one local workerd, as deployed: the gateway (the primary Worker, which every
// request reaches first), the API Worker from the root wrangler.toml and the built dashboard from
// packages/frontend/wrangler.toml, joined by the gateway's service bindings. A second gateway instance, bound to a
// stand-in upstream that echoes what it receives (test/echo-upstream.ts), shows exactly what the gateway forwards.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  createTestHarness,
  experimental_readRawConfig,
  unstable_splitSqlQuery,
  type TestHarness,
} from 'wrangler';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const PUBLIC_HOST = 'localhost';
export const CDN_HOST = 'cdn.localhost';
export const API_WORKER = 'pixelflare';
export const PROBE_GATEWAY = 'pixelflare-gateway-probe';
export const UNCONFIGURED_GATEWAY = 'pixelflare-gateway-unconfigured';
export const MISCONFIGURED_GATEWAY = 'pixelflare-gateway-misconfigured';
export const ECHO_WORKER = 'gateway-echo-upstream';

/** The root wrangler.toml as an inline config (relative paths resolve from ROOT, as they do there). */
function apiWorkerConfig() {
  const { rawConfig } = experimental_readRawConfig({ config: join(ROOT, 'wrangler.toml') });
  // Workers AI and Vectorize exist only remotely (no code calls them yet); left in, the harness would ask for a
  // Cloudflare account to proxy them.
  const { ai: _ai, vectorize: _vectorize, env: _env, ...config } = rawConfig;
  return {
    ...config,
    vars: {
      ...config.vars,
      // AUTH_MODE=none acts as the seeded user `alice` on a loopback host, so uploads need no key here.
      ENVIRONMENT: 'development',
      AUTH_MODE: 'none',
      AUTH_SECRET: 'gateway-test-auth-secret-0123456789abcdef',
      API_HASH_SECRET: 'gateway-test-hash-secret-0123456789abcdef',
      ENCRYPTION_KEY: 'gateway-test-encryption-key-0123456789abc',
      PUBLIC_API_URL: `http://${PUBLIC_HOST}`,
      PUBLIC_DASHBOARD_URL: `http://${PUBLIC_HOST}`,
      CDN_HOSTNAME: CDN_HOST,
    },
  };
}

const gatewayVars = { PUBLIC_HOSTNAME: PUBLIC_HOST, CDN_HOSTNAME: CDN_HOST };

/** One more instance of the gateway's code with both of its bindings on the echoing stand-in. */
function gatewayOnEcho(name: string, vars: Record<string, string>) {
  return {
    config: {
      name,
      main: 'packages/gateway/src/index.ts',
      compatibility_date: '2026-11-01',
      vars,
      services: [
        { binding: 'API', service: ECHO_WORKER },
        { binding: 'DASHBOARD', service: ECHO_WORKER },
      ],
    },
  };
}

export function createStack(): TestHarness {
  return createTestHarness({
    root: ROOT,
    workers: [
      { configPath: 'packages/gateway/wrangler.toml', vars: gatewayVars },
      { config: apiWorkerConfig() },
      { configPath: 'packages/frontend/wrangler.toml' },
      gatewayOnEcho(PROBE_GATEWAY, gatewayVars),
      // Deployed without its hostnames, and with a URL where a hostname belongs.
      gatewayOnEcho(UNCONFIGURED_GATEWAY, {}),
      gatewayOnEcho(MISCONFIGURED_GATEWAY, { PUBLIC_HOSTNAME: 'https://images.example.com' }),
      {
        config: {
          name: ECHO_WORKER,
          main: 'packages/gateway/test/echo-upstream.ts',
          compatibility_date: '2026-11-01',
        },
      },
    ],
  });
}

/** Every migration, in order, on the API Worker's local D1 (the harness starts from empty, in-memory storage). */
export async function migrateAndSeed(stack: TestHarness): Promise<void> {
  const env = (await stack.getWorker(API_WORKER).getEnv()) as { DB: D1Database };
  const dir = join(ROOT, 'packages/database/migrations');
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort();
  for (const file of files) {
    const statements = unstable_splitSqlQuery(readFileSync(join(dir, file), 'utf8'));
    await env.DB.batch(statements.map((sql) => env.DB.prepare(sql)));
  }
  const now = Date.now();
  await env.DB.prepare(
    "INSERT INTO users (id, slug, email, display_name, is_admin, plan, created_at, updated_at) VALUES ('usr_gateway_alice', 'alice', 'alice@localhost', 'Alice', 1, 'pro', ?, ?)",
  )
    .bind(now, now)
    .run();
}

/** Resident and peak memory (KiB) of each workerd process this test process started, from /proc. */
export function workerdMemory(): { pid: number; rssKiB: number; peakKiB: number }[] {
  const children = readdirSync(`/proc/${process.pid}/task`).flatMap((task) =>
    readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean),
  );
  return children
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'workerd';
      } catch {
        return false;
      }
    })
    .map((pid) => {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kib = (field: string) =>
        Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
      return { pid, rssKiB: kib('VmRSS'), peakKiB: kib('VmHWM') };
    });
}
