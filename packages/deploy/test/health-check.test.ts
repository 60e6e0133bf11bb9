import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureHealthCheck, healthCheckBody } from '../src/health-check.ts';
import { startCloudflareApiStandIn, type CloudflareApiStandIn } from './cloudflare-api-stand-in.ts';

let standIn: CloudflareApiStandIn;
beforeEach(async () => {
  standIn = await startCloudflareApiStandIn();
});
afterEach(() => standIn.close());

const target = () => ({
  apiBase: standIn.baseUrl,
  apiToken: 'test-token-not-a-secret',
  zoneId: standIn.zoneId,
  hostname: 'images.example.com',
});

describe('ENABLE_HEALTH_CHECKS: the zone health check on /v1/status', () => {
  it('is created once (GET /v1/status every 60 s from 6 regions, 3 failures in a row) and found after', async () => {
    expect(await ensureHealthCheck(target())).toBe('created');
    expect(standIn.state.healthChecks).toHaveLength(1);
    expect(standIn.state.healthChecks[0]).toMatchObject({
      address: 'images.example.com',
      type: 'HTTPS',
      interval: 60,
      consecutive_fails: 3,
      http_config: { method: 'GET', path: '/v1/status', expected_codes: ['200'], port: 443 },
    });
    expect(healthCheckBody('x').check_regions).toHaveLength(6);

    expect(await ensureHealthCheck(target())).toBe('found');
    expect(standIn.state.healthChecks).toHaveLength(1);
    expect(standIn.requests.filter((request) => request.method === 'POST')).toHaveLength(1);
  });

  it("names Cloudflare's refusal (a Free zone has no health checks)", async () => {
    standIn.failures.push({
      method: 'POST',
      path: /^\/healthchecks$/,
      status: 403,
      code: 1002,
      message: 'Health checks are not available on this plan',
    });
    await expect(ensureHealthCheck(target())).rejects.toThrow(
      'the health check API answered 403: Health checks are not available on this plan [1002]',
    );
  });
});
