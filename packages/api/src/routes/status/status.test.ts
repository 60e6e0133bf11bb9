import { describe, expect, it } from 'vitest';
import { checkDependencies } from '../../services/status/health';
import { call } from '../../../test/helpers';
import { env } from 'cloudflare:workers';

describe('GET /v1/status', () => {
  it('answers 200 with the version and a passing check of D1, R2 and KV', async () => {
    const response = await call('/v1/status');
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      status: string;
      version: string;
      checks: Record<string, { ok: boolean }>;
    };
    expect(body.status).toBe('ok');
    expect(body.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Object.keys(body.checks).sort()).toEqual(['d1', 'kv', 'r2']);
    expect(Object.values(body.checks).every((check) => check.ok)).toBe(true);
  });

  it('reports degraded with the failing dependency named when one store fails', async () => {
    const brokenKv = {
      get: () => Promise.reject(new TypeError('KV is down')),
    } as unknown as KVNamespace;
    const status = await checkDependencies(
      { DB: env.DB, IMAGES_BUCKET: env.IMAGES_BUCKET, KV: brokenKv },
      'test',
    );
    expect(status.status).toBe('degraded');
    expect(status.checks.kv).toMatchObject({ ok: false, error: 'TypeError' });
    expect(status.checks.d1.ok).toBe(true);
    expect(status.checks.r2.ok).toBe(true);
  });
});
