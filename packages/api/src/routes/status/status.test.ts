import { describe, expect, it } from 'vitest';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { createApp } from '../../app';
import type { Bindings } from '../../lib/env';
import { checkDependencies } from '../../services/status/health';
import { call } from '../../../test/helpers';

interface StatusBody {
  status: string;
  version: string;
  commit: string;
  checks: Record<string, { ok: boolean; latency_ms: number; error?: string }>;
}

describe('GET /v1/status', () => {
  it('answers 200 with each dependency passing and its latency, and "dev"/"unknown" when no deploy set them', async () => {
    const response = await call('/v1/status');
    expect(response.status).toBe(200);
    const body = (await response.json()) as StatusBody;
    expect(body.status).toBe('ok');
    expect(body.version).toBe('dev');
    expect(body.commit).toBe('unknown');
    expect(Object.keys(body.checks).sort()).toEqual(['d1', 'kv', 'r2']);
    for (const check of Object.values(body.checks)) {
      expect(check.ok).toBe(true);
      expect(Number.isInteger(check.latency_ms) && check.latency_ms >= 0).toBe(true);
    }
  });

  it('reports the version and commit the deploy set (APP_VERSION, APP_COMMIT)', async () => {
    const ctx = createExecutionContext();
    const bindings = { ...env, APP_VERSION: '1.4.2', APP_COMMIT: '3f9c2e1' } as Bindings;
    const response = await createApp().fetch(new Request('http://localhost:8787/v1/status'), bindings, ctx);
    await waitOnExecutionContext(ctx);
    const body = (await response.json()) as StatusBody;
    expect({ version: body.version, commit: body.commit }).toEqual({ version: '1.4.2', commit: '3f9c2e1' });
  });

  it('reports degraded with the failing dependency named when one store fails', async () => {
    const brokenKv = {
      get: () => Promise.reject(new TypeError('KV is down')),
    } as unknown as KVNamespace;
    const status = await checkDependencies(
      { DB: env.DB, IMAGES_BUCKET: env.IMAGES_BUCKET, KV: brokenKv },
      { environment: 'test', version: 'dev', commit: 'unknown' },
    );
    expect(status.status).toBe('degraded');
    expect(status.checks.kv).toMatchObject({ ok: false, error: 'TypeError' });
    expect(status.checks.d1.ok).toBe(true);
    expect(status.checks.r2.ok).toBe(true);
  });

  it('answers 503 naming the failing dependency through the Worker', async () => {
    const brokenBucket = {
      head: () => Promise.reject(new RangeError('R2 is down')),
    } as unknown as R2Bucket;
    const ctx = createExecutionContext();
    const bindings = { ...env, IMAGES_BUCKET: brokenBucket } as Bindings;
    const response = await createApp().fetch(new Request('http://localhost:8787/v1/status'), bindings, ctx);
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(503);
    const body = (await response.json()) as StatusBody;
    expect(body.checks.r2).toMatchObject({ ok: false, error: 'RangeError' });
  });
});
