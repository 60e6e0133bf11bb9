import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { TURNSTILE_SCRIPT_URL } from '@pixelflare/config';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp } from '../../app';
import type { Bindings } from '../../lib/env';
import { authed, BASE, createUser, errorOf } from '../../../test/helpers';
import { TURNSTILE_TEST_SECRET, TURNSTILE_TEST_SITE_KEY } from '../../../test/global-setup-turnstile';

// Siteverify is the stand-in started by test/global-setup-turnstile.ts on loopback.
const standIn = inject('turnstileStandIn');
const on = {
  TURNSTILE_SITE_KEY: TURNSTILE_TEST_SITE_KEY,
  TURNSTILE_SECRET_KEY: TURNSTILE_TEST_SECRET,
  TURNSTILE_VERIFY_URL: `${standIn}/turnstile/v0/siteverify`,
};
/** The local dev user: an ambient credential, like a session cookie. */
const devUser = { AUTH_MODE: 'none', ENVIRONMENT: 'development' };

// The dev user acts as the seeded alice (one per file: the database is shared by the file's tests).
beforeAll(async () => {
  await createUser('alice');
});

async function callWith(overrides: Record<string, string | undefined>, path: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const bindings = { ...env, ...overrides } as Bindings;
  const response = await createApp().fetch(new Request(BASE + path, init), bindings, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

async function issue(
  options: { action?: string; ageSeconds?: number; hostname?: string } = {},
): Promise<string> {
  const response = await fetch(`${standIn}/issue`, { method: 'POST', body: JSON.stringify(options) });
  return ((await response.json()) as { token: string }).token;
}

const json = (body: object, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': '203.0.113.7', ...headers },
  body: JSON.stringify(body),
});
const newKey = (extra: object = {}) => json({ name: 'ci', scopes: ['read'], ...extra });

async function expectRefused(response: Response, cloudflareCode: string) {
  expect(response.status).toBe(403);
  const error = await errorOf(response);
  expect(error.code).toBe('TURNSTILE_FAILED');
  expect(error.message).toContain(cloudflareCode);
}

describe('Turnstile on (TURNSTILE_SITE_KEY and TURNSTILE_SECRET_KEY set)', () => {
  it('API-key creation with the dev user: a valid token passes once; missing, invalid, reused and expired are 403', async () => {
    const withBoth = { ...on, ...devUser };
    await expectRefused(await callWith(withBoth, '/v1/keys', newKey()), 'missing-input-response');
    await expectRefused(
      await callWith(withBoth, '/v1/keys', newKey({ turnstile_token: 'standin.forged' })),
      'invalid-input-response',
    );

    const token = await issue({ action: 'api-key' });
    const created = await callWith(withBoth, '/v1/keys', newKey({ turnstile_token: token }));
    expect(created.status).toBe(201);
    await expectRefused(
      await callWith(withBoth, '/v1/keys', newKey({ turnstile_token: token })),
      'timeout-or-duplicate',
    );

    const expired = await issue({ action: 'api-key', ageSeconds: 301 });
    await expectRefused(
      await callWith(withBoth, '/v1/keys', newKey({ turnstile_token: expired })),
      'timeout-or-duplicate',
    );

    // Siteverify was sent the form Cloudflare documents, with the visitor's IP and an idempotency key.
    const { requests } = (await (await fetch(`${standIn}/requests`)).json()) as {
      requests: Record<string, string>[];
    };
    const sent = requests.find((request) => request.response === token);
    expect(sent).toMatchObject({
      secret: TURNSTILE_TEST_SECRET,
      remoteip: '203.0.113.7',
      'content-type': expect.stringMatching(/^application\/x-www-form-urlencoded/),
    });
    expect(sent?.idempotency_key).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a token solved for another step (a sign-in token cannot create an API key)', async () => {
    const token = await issue({ action: 'sign-in' });
    await expectRefused(
      await callWith({ ...on, ...devUser }, '/v1/keys', newKey({ turnstile_token: token })),
      'action-mismatch',
    );
  });

  it("refuses a token solved on another hostname than the request's or the dashboard's", async () => {
    const withBoth = { ...on, ...devUser, PUBLIC_DASHBOARD_URL: 'https://dash.example.com' };
    await expectRefused(
      await callWith(
        withBoth,
        '/v1/keys',
        newKey({ turnstile_token: await issue({ action: 'api-key', hostname: 'tokens.attacker.example' }) }),
      ),
      'hostname-mismatch:tokens.attacker.example',
    );
    // The request's own hostname (BASE is localhost) and the dashboard's both pass.
    for (const hostname of ['localhost', 'dash.example.com']) {
      const token = await issue({ action: 'api-key', hostname });
      expect((await callWith(withBoth, '/v1/keys', newKey({ turnstile_token: token }))).status).toBe(201);
    }
  });

  it('never asks an API key for a token', async () => {
    const owner = await createUser('keyed');
    const created = await callWith(on, '/v1/keys', authed(owner.key, newKey()));
    expect(created.status).toBe(201);
    const upload = await callWith(on, '/v1/images', authed(owner.key, json({ filename: 'a.png' })));
    expect(upload.status).toBe(201);
  });

  it('guards the dashboard uploads: two-step creation (turnstile_token) and tus creation (the header)', async () => {
    const withBoth = { ...on, ...devUser };
    await expectRefused(
      await callWith(withBoth, '/v1/images', json({ filename: 'a.png' })),
      'missing-input-response',
    );
    const twoStep = await callWith(
      withBoth,
      '/v1/images',
      json({ filename: 'a.png', turnstile_token: await issue({ action: 'upload' }) }),
    );
    expect(twoStep.status).toBe(201);

    const tusHeaders = { 'Tus-Resumable': '1.0.0', 'Upload-Length': '1024' };
    await expectRefused(
      await callWith(withBoth, '/v1/uploads/tus', { method: 'POST', headers: tusHeaders }),
      'missing-input-response',
    );
    const tus = await callWith(withBoth, '/v1/uploads/tus', {
      method: 'POST',
      headers: { ...tusHeaders, 'CF-Turnstile-Response': await issue({ action: 'upload' }) },
    });
    expect(tus.status).toBe(201);
  });

  it('guards the sign-in post: refused without the widget field, on to the provider with it', async () => {
    const form = (fields: Record<string, string>): RequestInit => ({
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ callbackUrl: '/', ...fields }),
      redirect: 'manual',
    });
    // Without a dashboard to go back to (no PUBLIC_DASHBOARD_URL), the refusal is the JSON error.
    await expectRefused(
      await callWith({ ...on, PUBLIC_DASHBOARD_URL: undefined }, '/auth/signin/oidc', form({})),
      'missing-input-response',
    );
    const passed = await callWith(
      on,
      '/auth/signin/oidc',
      form({ 'cf-turnstile-response': await issue({ action: 'sign-in' }) }),
    );
    // Past the check, Auth.js answers (here: its own CSRF refusal, as no CSRF cookie was sent).
    expect(passed.status).toBe(302);
  });

  it("sends a refused sign-in post back to the dashboard's sign-in page with a reason, not a JSON page", async () => {
    const dashboard = { ...on, PUBLIC_DASHBOARD_URL: 'http://localhost:5173/' };
    const post = (token?: string) =>
      callWith(dashboard, '/auth/signin/oidc', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ callbackUrl: '/', ...(token ? { 'cf-turnstile-response': token } : {}) }),
        redirect: 'manual',
      });
    for (const refused of [await post(), await post('standin.forged')]) {
      expect(refused.status).toBe(303);
      expect(refused.headers.get('Location')).toBe('http://localhost:5173/sign-in?error=TurnstileFailed');
    }
    const unreachable = await callWith(
      { ...dashboard, TURNSTILE_VERIFY_URL: 'http://127.0.0.1:9/siteverify' },
      '/auth/signin/oidc',
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ 'cf-turnstile-response': await issue({ action: 'sign-in' }) }),
        redirect: 'manual',
      },
    );
    expect(unreachable.status).toBe(303);
    expect(unreachable.headers.get('Location')).toBe(
      'http://localhost:5173/sign-in?error=TurnstileUnavailable',
    );
  });

  it("gives the dashboard the site key and the widget's script on /auth/providers", async () => {
    const providers = (await (await callWith(on, '/auth/providers')).json()) as {
      turnstile_site_key: unknown;
      turnstile_script_url: unknown;
    };
    expect(providers.turnstile_site_key).toBe(TURNSTILE_TEST_SITE_KEY);
    expect(providers.turnstile_script_url).toBe(TURNSTILE_SCRIPT_URL);

    // The widget stand-in, for the dashboard's e2e tests: allowed in development and tests, refused in production.
    const standInWidget = { ...on, TURNSTILE_SCRIPT_URL: `${standIn}/widget.js` };
    const local = (await (
      await callWith({ ...standInWidget, ENVIRONMENT: 'development' }, '/auth/providers')
    ).json()) as { turnstile_script_url: unknown };
    expect(local.turnstile_script_url).toBe(`${standIn}/widget.js`);
    const production = await callWith({ ...standInWidget, ENVIRONMENT: 'production' }, '/v1/status');
    expect(production.status).toBe(503);
    expect((await errorOf(production)).message).toContain(
      'TURNSTILE_SCRIPT_URL is for tests and local development only',
    );
  });

  it('answers 503, not 403, when siteverify cannot be reached', async () => {
    const unreachable = { ...on, ...devUser, TURNSTILE_VERIFY_URL: 'http://127.0.0.1:9/siteverify' };
    const response = await callWith(unreachable, '/v1/keys', newKey({ turnstile_token: await issue() }));
    expect(response.status).toBe(503);
    expect((await errorOf(response)).code).toBe('SERVICE_UNAVAILABLE');
  });

  it('names the missing key when only one of the two is set', async () => {
    const response = await callWith({ TURNSTILE_SITE_KEY: TURNSTILE_TEST_SITE_KEY }, '/v1/status');
    expect(response.status).toBe(503);
    const error = await errorOf(response);
    expect(error.code).toBe('MISCONFIGURED');
    expect(error.message).toContain('TURNSTILE_SECRET_KEY is missing');
  });
});

describe('Turnstile off (the default)', () => {
  it('asks no one for a token and gives the dashboard no site key', async () => {
    expect((await callWith(devUser, '/v1/keys', newKey())).status).toBe(201);
    const providers = (await (await callWith({}, '/auth/providers')).json()) as {
      turnstile_site_key: unknown;
      turnstile_script_url: unknown;
    };
    expect(providers.turnstile_site_key).toBeNull();
    expect(providers.turnstile_script_url).toBeNull();
  });
});
