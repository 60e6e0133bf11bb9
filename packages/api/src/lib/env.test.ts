import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createExecutionContext } from 'cloudflare:test';
import { createApp } from '../app';
import { EnvError, loadEnv, type Bindings } from './env';

const withVars = (vars: Record<string, unknown>) => ({ ...env, ...vars }) as unknown as Bindings;
const problemsOf = (bindings: Bindings): string[] => {
  try {
    loadEnv(bindings);
    return [];
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
};

describe('environment validation', () => {
  it('accepts the test environment and parses typed values', () => {
    const config = loadEnv(
      withVars({ CORS_ORIGINS: 'https://a.example, https://b.example', USAGE_LIMITS_ENABLED: 'true' }),
    );
    expect(config.CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
    expect(config.USAGE_LIMITS_ENABLED).toBe(true);
  });

  it('names a missing secret', () => {
    expect(problemsOf(withVars({ API_HASH_SECRET: undefined }))).toEqual(['API_HASH_SECRET is missing']);
  });

  it('names a malformed variable and says what is wrong with it', () => {
    const problems = problemsOf(
      withVars({ AUTH_SECRET: 'short', ALLOWED_VARIANTS: 'w128', RATE_LIMIT_ENABLED: 'yes' }),
    );
    expect(problems).toHaveLength(3);
    expect(problems.find((p) => p.startsWith('AUTH_SECRET'))).toContain('at least 32');
    expect(problems.find((p) => p.startsWith('ALLOWED_VARIANTS'))).toContain('JSON array');
    expect(problems.some((p) => p.startsWith('RATE_LIMIT_ENABLED'))).toBe(true);
  });

  it('takes Stripe billing all or nothing: STRIPE_ENABLED names each setting it lacks, half a group is refused', () => {
    expect(problemsOf(withVars({ STRIPE_ENABLED: 'true', STRIPE_SECRET_KEY: 'sk_test_x' })).sort()).toEqual([
      'STRIPE_PRICE_PRO is missing (STRIPE_SECRET_KEY set)',
      'STRIPE_PRICE_PRO is required by STRIPE_ENABLED=true',
      'STRIPE_PRICE_STARTER is missing (STRIPE_SECRET_KEY set)',
      'STRIPE_PRICE_STARTER is required by STRIPE_ENABLED=true',
      'STRIPE_WEBHOOK_SECRET is missing (STRIPE_SECRET_KEY set)',
      'STRIPE_WEBHOOK_SECRET is required by STRIPE_ENABLED=true',
    ]);
    expect(problemsOf(withVars({ STRIPE_WEBHOOK_SECRET: 'whsec_x' }))).toHaveLength(3);
    const complete = {
      STRIPE_ENABLED: 'true',
      STRIPE_SECRET_KEY: 'sk_test_x',
      STRIPE_WEBHOOK_SECRET: 'whsec_x',
      STRIPE_PRICE_STARTER: 'price_a',
      STRIPE_PRICE_PRO: 'price_b',
    };
    expect(problemsOf(withVars(complete))).toEqual([]);
  });

  it('names a missing binding', () => {
    expect(problemsOf(withVars({ KV: undefined }))).toContain('binding KV is missing');
  });
});

describe('a misconfigured Worker', () => {
  it('answers 503 MISCONFIGURED naming the variable, as JSON with a request id', async () => {
    const response = await createApp().request(
      '/v1/status',
      {},
      withVars({ API_HASH_SECRET: undefined }),
      createExecutionContext(),
    );
    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: { code: string; message: string; requestId: string } };
    expect(body.error.code).toBe('MISCONFIGURED');
    expect(body.error.message).toContain('API_HASH_SECRET is missing');
    expect(body.error.requestId).toBe(response.headers.get('X-Request-Id'));
  });

  it('names the missing half of a sign-in provider, and what AUTH_MODE=cloudflare needs', () => {
    expect(problemsOf(withVars({ GITHUB_OAUTH_CLIENT_ID: 'Iv1.abc' }))).toEqual([
      'GITHUB_OAUTH_CLIENT_SECRET is missing (GITHUB_OAUTH_CLIENT_ID set)',
    ]);
    expect(
      problemsOf(withVars({ AUTH_MODE: 'cloudflare', ACCESS_TEAM_DOMAIN: undefined, ACCESS_AUD: undefined })),
    ).toEqual([
      'ACCESS_TEAM_DOMAIN is required by AUTH_MODE=cloudflare',
      'ACCESS_AUD is required by AUTH_MODE=cloudflare',
    ]);
  });

  it('refuses ALLOWED_VARIANTS that name unknown presets or drop the ones the dashboard shows', () => {
    expect(problemsOf(withVars({ ALLOWED_VARIANTS: '["w128","thumb","w256","w1024","w4000"]' }))).toEqual([
      'ALLOWED_VARIANTS names unknown presets: w4000',
    ]);
    expect(problemsOf(withVars({ ALLOWED_VARIANTS: '["w128","w1024"]' }))).toEqual([
      'ALLOWED_VARIANTS must keep thumb, w256 (the dashboard and album covers show them)',
    ]);
    expect(problemsOf(withVars({ ALLOWED_VARIANTS: '["thumb","w256","w1024"]' }))).toEqual([]);
  });
});
