import { auditLogs, createDb, users } from '@pixelflare/database';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { BASE, call, createUser, errorOf } from '../../test/helpers';
import { createApp } from '../app';
import type { Bindings } from '../lib/env';

/** A cookie jar for one site, like a browser's: Set-Cookie in, Cookie out, expired cookies dropped. */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  take(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const name = pair.slice(0, pair.indexOf('=')).trim();
      const value = pair.slice(pair.indexOf('=') + 1).trim();
      const expired = attributes.some(
        (a) => /^\s*max-age=0\s*$/i.test(a) || /expires=Thu, 01 Jan 1970/i.test(a),
      );
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  has(name: string) {
    return this.cookies.has(name);
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/** Worker requests go through SELF (the real Worker); the provider is a real server on loopback. */
async function app(jar: CookieJar, path: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  headers.set('Cookie', jar.header());
  const response = await call(path.replace(BASE, ''), { ...init, headers, redirect: 'manual' });
  jar.take(response);
  return response;
}

/**
 * The browser's part of a sign-in: the CSRF token, the form post to Auth.js, then every redirect through the
 * provider (login and consent are automatic there) until the Worker's callback. Returns the callback's answer.
 */
async function signInWithProvider(jar: CookieJar, login: string, callbackUrl = '/library') {
  const { csrfToken } = (await (await app(jar, '/auth/csrf')).json()) as { csrfToken: string };
  const form = new URLSearchParams({ csrfToken, callbackUrl });
  let response = await app(jar, `/auth/signin/oidc?login_hint=${login}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  const providerJar = new CookieJar();
  for (let hop = 0; hop < 12; hop++) {
    expect(response.status, `hop ${hop}`).toBeGreaterThanOrEqual(300);
    const location = new URL(response.headers.get('Location') ?? '', response.url || BASE);
    if (location.href.startsWith(`${BASE}/auth/callback/`))
      return app(jar, location.pathname + location.search);
    response = await fetch(location, { headers: { Cookie: providerJar.header() }, redirect: 'manual' });
    providerJar.take(response);
  }
  throw new Error('the sign-in never came back to the Worker');
}

async function me(jar: CookieJar) {
  return app(jar, '/v1/me');
}

describe('AUTH_MODE=authjs: OpenID Connect sign-in against a real provider', () => {
  it('signs in, provisions the user from the profile, serves /v1/me from the session, then signs out', async () => {
    const jar = new CookieJar();
    const callback = await signInWithProvider(jar, 'jane');
    expect(callback.status).toBe(302);
    // Back to where sign-in started, on the dashboard (PUBLIC_DASHBOARD_URL).
    expect(callback.headers.get('Location')).toBe(`${env.PUBLIC_DASHBOARD_URL}/library`);
    const sessionCookie = callback.headers.getSetCookie().find((c) => c.startsWith('authjs.session-token='));
    expect(sessionCookie).toMatch(/HttpOnly/i);
    expect(sessionCookie).toMatch(/SameSite=Lax/i);
    const expires = Date.parse(/Expires=([^;]+)/i.exec(sessionCookie ?? '')?.[1] ?? '');
    expect((expires - Date.now()) / 86_400_000).toBeCloseTo(7, 0);

    const profile = (await (await me(jar)).json()) as Record<string, unknown>;
    expect(profile).toMatchObject({
      slug: 'jane-doe',
      email: 'jane.doe@example.test',
      display_name: 'Jane Doe',
      is_admin: true, // the first user of an empty instance
    });
    const session = (await (await app(jar, '/auth/session')).json()) as Record<string, unknown>;
    expect(session).toMatchObject({ authenticated: true, mode: 'authjs', via: 'session' });

    // Signing in again finds the same user; nothing is created twice.
    const again = new CookieJar();
    await signInWithProvider(again, 'jane');
    expect(((await (await me(again)).json()) as { id: string }).id).toBe(profile.id);
    const db = createDb(env.DB);
    expect(await db.select().from(users).where(eq(users.slug, 'jane-doe')).all()).toHaveLength(1);
    const signIns = await db
      .select()
      .from(auditLogs)
      .where(eq(auditLogs.action, 'auth.sign_in'))
      .orderBy(auditLogs.id)
      .all();
    const mine = signIns.filter((row) => row.ownerId === profile.id && row.outcome === 'success');
    expect(mine.map((row) => row.metadata)).toEqual([
      { provider: 'oidc', new_user: true },
      { provider: 'oidc', new_user: false },
    ]);

    const signOut = await app(jar, '/auth/sign-out', { method: 'POST' });
    expect(signOut.status).toBe(204);
    expect(jar.has('authjs.session-token')).toBe(false);
    const after = await me(jar);
    expect(after.status).toBe(401);
    expect((await errorOf(after)).code).toBe('UNAUTHORIZED');
  });

  it('gives a new user a free slug and never links an account by an unverified email', async () => {
    const alice = await createUser('alice');
    const jar = new CookieJar();
    await signInWithProvider(jar, 'taken');
    const profile = (await (await me(jar)).json()) as Record<string, unknown>;
    expect(profile.id).not.toBe(alice.id);
    expect(profile.slug).toBe('alice-2');
    expect(profile.email).toBeNull();
    expect(profile.is_admin).toBe(false);
  });

  it('refuses a disabled account at sign-in and ends its live sessions', async () => {
    const jar = new CookieJar();
    await signInWithProvider(jar, 'jane');
    const { id } = (await (await me(jar)).json()) as { id: string };
    await createDb(env.DB).update(users).set({ disabledAt: new Date() }).where(eq(users.id, id));
    expect((await me(jar)).status).toBe(401);

    const refused = await signInWithProvider(new CookieJar(), 'jane');
    expect(refused.status).toBe(302);
    const page = await app(new CookieJar(), refused.headers.get('Location') ?? '');
    expect(page.headers.get('Location')).toBe(`${env.PUBLIC_DASHBOARD_URL}/sign-in?error=AccessDenied`);
    expect(refused.headers.getSetCookie().some((c) => c.startsWith('authjs.session-token='))).toBe(false);
  });

  it('a session known to the isolate stops working when AUTH_SECRET changes', async () => {
    const jar = new CookieJar();
    await signInWithProvider(jar, 'taken'); // jane is disabled by the test above
    expect((await me(jar)).status).toBe(200); // decrypted once, now remembered by the isolate
    const ctx = createExecutionContext();
    const rotated = await createApp().fetch(
      new Request(`${BASE}/v1/me`, { headers: { Cookie: jar.header() } }),
      { ...env, AUTH_SECRET: 'a-new-auth-secret-0123456789abcdef0123456789' } as Bindings,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(rotated.status).toBe(401);
    expect((await me(jar)).status).toBe(200);
  });

  it('lists the configured providers for the sign-in page', async () => {
    const response = await call('/auth/providers');
    expect(await response.json()).toEqual({
      mode: 'authjs',
      providers: [{ id: 'oidc', name: 'Test OP' }],
      turnstile_site_key: null,
      turnstile_script_url: null,
    });
  });

  it('ignores a forged or foreign Auth.js session cookie', async () => {
    const jar = new CookieJar();
    await signInWithProvider(jar, 'jane');
    const token = /authjs\.session-token=([^;]+)/.exec(jar.header())?.[1] ?? '';
    const tampered = `${token.slice(0, -4)}${token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    for (const value of [tampered, 'not-a-jwe', '']) {
      const response = await call('/v1/me', { headers: { Cookie: `authjs.session-token=${value}` } });
      expect(response.status).toBe(401);
      expect((await errorOf(response)).code).toBe('UNAUTHORIZED');
    }
  });
});

describe('AUTH_MODE=authjs: GitHub and Google', () => {
  const withProviders = {
    GITHUB_OAUTH_CLIENT_ID: 'Iv1.test-github-client',
    GITHUB_OAUTH_CLIENT_SECRET: 'test-github-secret',
    GOOGLE_OAUTH_CLIENT_ID: 'test-google-client.apps.googleusercontent.com',
    GOOGLE_OAUTH_CLIENT_SECRET: 'test-google-secret',
  };
  const worker = createApp();
  async function callWithProviders(
    path: string,
    init: RequestInit = {},
    vars: Record<string, string | undefined> = {},
  ) {
    const ctx = createExecutionContext();
    const response = await worker.fetch(
      new Request(BASE + path, init),
      { ...env, ...withProviders, ...vars } as Bindings,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return response;
  }

  it("offers each configured provider, and GitHub's sign-in goes to GitHub with this instance's callback", async () => {
    const { providers } = (await (await callWithProviders('/auth/providers')).json()) as {
      providers: unknown;
    };
    expect(providers).toEqual([
      { id: 'github', name: 'GitHub' },
      { id: 'google', name: 'Google' },
      { id: 'oidc', name: 'Test OP' },
    ]);

    const jar = new CookieJar();
    const csrf = await callWithProviders('/auth/csrf');
    jar.take(csrf);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const signIn = await callWithProviders('/auth/signin/github', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: jar.header() },
      body: new URLSearchParams({ csrfToken, callbackUrl: '/' }),
      redirect: 'manual',
    });
    expect(signIn.status).toBe(302);
    const location = new URL(signIn.headers.get('Location') ?? '');
    expect(location.origin + location.pathname).toBe('https://github.com/login/oauth/authorize');
    expect(location.searchParams.get('client_id')).toBe(withProviders.GITHUB_OAUTH_CLIENT_ID);
    expect(location.searchParams.get('redirect_uri')).toBe(`${BASE}/auth/callback/github`);
  });

  it('refuses a sign-in post without the CSRF token', async () => {
    const signIn = await callWithProviders('/auth/signin/github', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ callbackUrl: '/' }),
      redirect: 'manual',
    });
    expect(signIn.headers.get('Location')).toBe(`${BASE}/auth/sign-in?error=MissingCSRF`);
  });

  it('sends people back to the sign-in page with the reason when the OpenID issuer is unreachable', async () => {
    const unreachable = { OIDC_ISSUER: 'http://127.0.0.1:9' };
    const jar = new CookieJar();
    const csrf = await callWithProviders('/auth/csrf', {}, unreachable);
    jar.take(csrf);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const signIn = await callWithProviders(
      '/auth/signin/oidc',
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: jar.header() },
        body: new URLSearchParams({ csrfToken, callbackUrl: '/' }),
        redirect: 'manual',
      },
      unreachable,
    );
    expect(signIn.headers.get('Location')).toBe(`${BASE}/auth/sign-in?error=Configuration`);
    const page = await callWithProviders(
      '/auth/sign-in?error=Configuration',
      { redirect: 'manual' },
      unreachable,
    );
    expect(page.headers.get('Location')).toBe(`${env.PUBLIC_DASHBOARD_URL}/sign-in?error=Configuration`);
  });

  it('without a dashboard, a failed sign-in answers the JSON error instead of an HTML page', async () => {
    const response = await callWithProviders(
      '/auth/sign-in?error=AccessDenied',
      {},
      { PUBLIC_DASHBOARD_URL: undefined },
    );
    expect(response.status).toBe(401);
    expect(await errorOf(response)).toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringMatching(/refused/),
    });
  });
});
