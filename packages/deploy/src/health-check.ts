/**
 * ENABLE_HEALTH_CHECKS=true: `pnpm provision` finds or creates a Cloudflare health check on the zone
 * (`POST /zones/{zone_id}/healthchecks`) that requests https://PUBLIC_HOSTNAME/v1/status every 60 s from 6 regions
 * and counts the origin unhealthy after 3 failures in a row (the API answers 503 naming the store that failed).
 * Zone health checks need a paid zone plan (Pro or above), hence the switch; it is off by default. Alerts on it are
 * set up once in the dashboard (Notifications > Health Checks), see the deployment guide.
 * The token needs Zone > Health Checks: Edit. Idempotent: a check with the same name is left as it is.
 */
export const HEALTH_CHECK_NAME = 'pixelflare-status';

export interface HealthCheckTarget {
  apiBase: string;
  apiToken: string;
  zoneId: string;
  hostname: string;
}

/** The check as Cloudflare's Health Checks API takes it. */
export function healthCheckBody(hostname: string) {
  return {
    name: HEALTH_CHECK_NAME,
    description: 'Pixelflare API: GET /v1/status (D1, R2 and KV answer)',
    address: hostname,
    type: 'HTTPS',
    interval: 60,
    retries: 1,
    timeout: 10,
    consecutive_fails: 3,
    consecutive_successes: 1,
    check_regions: ['WNAM', 'ENAM', 'WEU', 'EEU', 'SEAS', 'NEAS'],
    http_config: {
      method: 'GET',
      path: '/v1/status',
      port: 443,
      expected_codes: ['200'],
      follow_redirects: false,
      allow_insecure: false,
      header: { 'User-Agent': ['Cloudflare-Health-Check (pixelflare)'] },
    },
  };
}

interface Envelope<T> {
  success: boolean;
  errors: { code: number; message: string }[];
  result: T;
}

async function call<T>(target: HealthCheckTarget, path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${target.apiBase.replace(/\/+$/, '')}/zones/${target.zoneId}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${target.apiToken}`, 'Content-Type': 'application/json' },
  });
  const body = (await response.json().catch(() => null)) as Envelope<T> | null;
  if (!response.ok || !body?.success) {
    const reason = body?.errors.map((error) => `${error.message} [${error.code}]`).join('; ');
    throw new Error(`the health check API answered ${response.status}${reason ? `: ${reason}` : ''}`);
  }
  return body.result;
}

export async function ensureHealthCheck(target: HealthCheckTarget): Promise<'found' | 'created'> {
  const existing = await call<{ name: string }[]>(target, '/healthchecks?per_page=50');
  if (existing.some((check) => check.name === HEALTH_CHECK_NAME)) return 'found';
  await call(target, '/healthchecks', {
    method: 'POST',
    body: JSON.stringify(healthCheckBody(target.hostname)),
  });
  return 'created';
}
