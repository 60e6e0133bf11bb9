import { SESSION_COOKIE_NAME } from '@pixelflare/config';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app';
import type { Bindings } from '../lib/env';
import { call, createUser, errorOf } from '../../test/helpers';
import { sealSession } from '../services/auth/session';

const app = createApp();

/** The Worker with other bindings (AUTH_MODE, ENVIRONMENT) than the test default. */
async function callWith(overrides: Partial<Record<string, string>>, url: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(url, init), { ...env, ...overrides } as Bindings, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

const none = { AUTH_MODE: 'none', ENVIRONMENT: 'development' };
const cookieOf = (response: Response) => (response.headers.get('Set-Cookie') ?? '').split(';')[0] ?? '';
const slugOf = async (response: Response) => ((await response.json()) as { slug: string }).slug;

describe('AUTH_MODE=none (local development)', () => {
  it('acts as the seeded alice, and the dev sign-in switches user with a session cookie', async () => {
    await createUser('alice', { isAdmin: true });
    await createUser('bob');
    expect(await slugOf(await callWith(none, 'http://localhost:8787/v1/me'))).toBe('alice');

    const signIn = await callWith(none, 'http://localhost:8787/auth/dev/sign-in?user=bob');
    expect(signIn.status).toBe(200);
    const setCookie = signIn.headers.get('Set-Cookie') ?? '';
    expect(setCookie).toContain(`${SESSION_COOKIE_NAME}=`);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(/Max-Age=604800/);
    expect(setCookie).not.toMatch(/Secure/i);
    const cookie = cookieOf(signIn);

    const me = await callWith(none, 'http://localhost:8787/v1/me', { headers: { Cookie: cookie } });
    expect(await slugOf(me)).toBe('bob');
    const session = await callWith(none, 'http://localhost:8787/auth/session', {
      headers: { Cookie: cookie },
    });
    expect(await session.json()).toMatchObject({ authenticated: true, via: 'dev', user: { slug: 'bob' } });

    const signOut = await callWith(none, 'http://localhost:8787/auth/sign-out', {
      method: 'POST',
      headers: { Cookie: cookie },
    });
    expect(signOut.status).toBe(204);
    expect(signOut.headers.get('Set-Cookie')).toMatch(/Max-Age=0/);
  });

  it('marks the cookie Secure on HTTPS and redirects only to same-site paths', async () => {
    await createUser('carol');
    const secure = await callWith(none, 'https://localhost/auth/dev/sign-in?user=carol&redirect=/library');
    expect(secure.status).toBe(302);
    expect(secure.headers.get('Location')).toBe('/library');
    expect(secure.headers.get('Set-Cookie')).toMatch(/Secure/);
    const open = await callWith(
      none,
      'https://localhost/auth/dev/sign-in?user=carol&redirect=//evil.example',
    );
    expect(open.status).toBe(200);
    expect((await callWith(none, 'http://localhost:8787/auth/dev/sign-in?user=nobody')).status).toBe(404);
  });

  it('refuses to run in production or on a public host: 503 MISCONFIGURED', async () => {
    for (const [overrides, url] of [
      [{ AUTH_MODE: 'none', ENVIRONMENT: 'production' }, 'http://localhost:8787/v1/me'],
      [none, 'https://images.example.com/v1/me'],
      [none, 'https://images.example.com/auth/dev/sign-in?user=alice'],
    ] as const) {
      const response = await callWith(overrides, url);
      expect(response.status, url).toBe(503);
      expect((await errorOf(response)).code).toBe('MISCONFIGURED');
    }
  });
});

describe('session cookies in AUTH_MODE=authjs', () => {
  it('a valid session signs in; dev sessions, tampered and foreign cookies do not', async () => {
    const user = await createUser('sessioned');
    const valid = await sealSession(env.AUTH_SECRET, { sub: user.id, via: 'session' });
    const me = await call('/v1/me', { headers: { Cookie: `${SESSION_COOKIE_NAME}=${valid}` } });
    expect(await slugOf(me)).toBe('sessioned');

    const dev = await sealSession(env.AUTH_SECRET, { sub: user.id, via: 'dev' });
    const tampered = valid.slice(0, -2) + (valid.endsWith('AA') ? 'BB' : 'AA');
    const foreign = await sealSession('another-secret-0123456789abcdef0123456789', {
      sub: user.id,
      via: 'session',
    });
    const expired = await sealSession(
      env.AUTH_SECRET,
      { sub: user.id, via: 'session' },
      Date.now() - 8 * 86_400_000,
    );
    for (const value of [dev, tampered, foreign, expired, 'not base64!']) {
      const response = await call('/v1/me', { headers: { Cookie: `${SESSION_COOKIE_NAME}=${value}` } });
      expect(response.status).toBe(401);
    }
    const anonymous = await call('/auth/session');
    expect(await anonymous.json()).toMatchObject({ authenticated: false, user: null });
    expect((await call('/auth/dev/sign-in?user=sessioned')).status).toBe(404);
  });
});
