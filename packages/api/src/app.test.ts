import { auditLogs, createDb } from '@pixelflare/database';
import { RATE_LIMITS, SECURITY_HEADERS } from '@pixelflare/config';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { createApp } from './app';
import { AppError } from './lib/errors';
import { authed, call, createUser, errorOf } from '../test/helpers';

/** The real app plus two routes that fail on purpose, to see what a client gets back. */
function appWithFailingRoutes() {
  const app = createApp();
  app.get('/v1/__boom', () => {
    throw new Error('database password is hunter2');
  });
  app.post('/v1/__validate', async (c) => {
    z.object({ name: z.string().min(1), size: z.number().int() }).parse(await c.req.json());
    return c.json({ ok: true });
  });
  app.get('/v1/__teapot', () => {
    throw new AppError(409, 'CONFLICT', 'Already exists');
  });
  return app;
}

async function request(path: string, init?: RequestInit) {
  const ctx = createExecutionContext();
  const response = await appWithFailingRoutes().request(path, init, env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

describe('request ids', () => {
  it('gives every answer an X-Request-Id, also repeated in error bodies', async () => {
    const ok = await call('/v1/status');
    expect(ok.headers.get('X-Request-Id')).toMatch(/^req_/);
    const missing = await call('/v1/nope');
    const id = missing.headers.get('X-Request-Id');
    expect((await errorOf(missing)).requestId).toBe(id);
  });

  it('keeps a well-formed incoming request id and replaces a malformed one', async () => {
    const kept = await call('/v1/status', { headers: { 'X-Request-Id': 'trace-12345678' } });
    expect(kept.headers.get('X-Request-Id')).toBe('trace-12345678');
    const replaced = await call('/v1/status', { headers: { 'X-Request-Id': 'bad id with spaces <script>' } });
    expect(replaced.headers.get('X-Request-Id')).toMatch(/^req_/);
  });

  it('differs between requests', async () => {
    const [a, b] = await Promise.all([call('/v1/status'), call('/v1/status')]);
    expect(a.headers.get('X-Request-Id')).not.toBe(b.headers.get('X-Request-Id'));
  });
});

describe('security headers', () => {
  it('sets HSTS, nosniff, DENY, referrer policy and the API CSP on API answers, errors included', async () => {
    for (const response of [await call('/v1/status'), await call('/v1/does-not-exist')]) {
      for (const [name, value] of Object.entries(SECURITY_HEADERS))
        expect(response.headers.get(name)).toBe(value);
      expect(response.headers.get('Content-Security-Policy')).toBe(
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
      );
    }
  });

  it('relaxes the CSP only on the docs page, which needs scripts', async () => {
    const docs = await call('/v1/docs');
    expect(docs.status).toBe(200);
    expect(docs.headers.get('Content-Type')).toContain('text/html');
    expect(docs.headers.get('Content-Security-Policy')).toContain("script-src 'self'");
    expect(docs.headers.get('X-Frame-Options')).toBe('DENY');
  });
});

describe('CORS', () => {
  it('allows the dashboard origin with credentials and refuses others', async () => {
    const allowed = await call('/v1/status', { headers: { Origin: 'http://localhost:5173' } });
    expect(allowed.headers.get('Access-Control-Allow-Origin')).toBe('http://localhost:5173');
    expect(allowed.headers.get('Access-Control-Allow-Credentials')).toBe('true');
    const refused = await call('/v1/status', { headers: { Origin: 'https://evil.example' } });
    expect(refused.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });

  it('answers preflight requests before authentication', async () => {
    const preflight = await call('/v1/status', {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://localhost:5173',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('Access-Control-Allow-Headers')?.toLowerCase()).toContain('authorization');
  });
});

describe('uniform errors', () => {
  it('answers unknown routes 404 JSON', async () => {
    const response = await call('/v1/definitely/not/here');
    expect(response.status).toBe(404);
    expect(response.headers.get('Content-Type')).toContain('application/json');
    expect(await errorOf(response)).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('answers a thrown error 500 with a generic message and no internals', async () => {
    const response = await request('/v1/__boom');
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('at ');
    const body = JSON.parse(text) as { error: { code: string; requestId: string } };
    expect(body.error.code).toBe('INTERNAL_ERROR');
    expect(body.error.requestId).toBe(response.headers.get('X-Request-Id'));
  });

  it('answers a validation failure 400 listing every failing field', async () => {
    const response = await request('/v1/__validate', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: '', size: 1.5 }),
    });
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.issues?.map((issue) => issue.path).sort()).toEqual(['name', 'size']);
  });

  it('keeps the status and code of a known error', async () => {
    const response = await request('/v1/__teapot');
    expect(response.status).toBe(409);
    expect(await errorOf(response)).toMatchObject({ code: 'CONFLICT', message: 'Already exists' });
  });
});

describe('middleware order', () => {
  it('authenticates before rate limiting: a key draws from the authenticated bucket, anonymous from the IP bucket', async () => {
    const user = await createUser('order-user');
    const anonymous = await call('/v1/status', { headers: { 'CF-Connecting-IP': '203.0.113.7' } });
    expect(anonymous.headers.get('RateLimit-Limit')).toBe(String(RATE_LIMITS.anonymous.capacity));
    const signedIn = await call('/v1/status', authed(user.key));
    expect(Number(signedIn.headers.get('RateLimit-Limit'))).toBeGreaterThanOrEqual(
      RATE_LIMITS.authenticated.capacity,
    );
  });

  it('rejects a bad key with 401 JSON that still carries the outer layers (request id, security headers, CORS)', async () => {
    const response = await call('/v1/status', {
      headers: { Authorization: 'Bearer pf_not-a-real-key', Origin: 'http://localhost:5173' },
    });
    expect(response.status).toBe(401);
    expect(await errorOf(response)).toMatchObject({ code: 'INVALID_API_KEY' });
    expect(response.headers.get('X-Request-Id')).toBeTruthy();
    expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe('http://localhost:5173');
  });

  it('refuses a malformed Authorization header with 401', async () => {
    const response = await call('/v1/status', { headers: { Authorization: 'Basic dXNlcjpwYXNz' } });
    expect(response.status).toBe(401);
    expect((await errorOf(response)).code).toBe('UNAUTHORIZED');
  });

  it('audits mutating requests after authentication, naming the key that acted', async () => {
    const user = await createUser('audit-user');
    const ctx = createExecutionContext();
    await appWithFailingRoutes().request(
      '/v1/__validate',
      authed(user.key, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{"name":"a","size":1}',
      }),
      env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    const rows = await createDb(env.DB).select().from(auditLogs).where(eq(auditLogs.ownerId, user.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actor: `key:${user.keyId}`,
      action: 'POST /v1/__validate',
      outcome: 'success',
    });
  });
});
