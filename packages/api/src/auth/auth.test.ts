import { AUTHJS_SESSION_COOKIE_NAMES, SESSION_COOKIE_NAME } from '@pixelflare/config';
import { createDb, users } from '@pixelflare/database';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app';
import type { Bindings } from '../lib/env';
import { BASE, authed, call, createUser, errorOf } from '../../test/helpers';
import { passkeySessionCookie } from '../services/auth/authjs';
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
/** The Auth.js session cookie a sign-in ends with (a passkey sign-in sets the same token). */
async function authjsCookie(userId: string, secret = env.AUTH_SECRET) {
  const { name, value } = await passkeySessionCookie({ AUTH_SECRET: secret }, BASE, userId);
  return `${name}=${value}`;
}
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
  it('an Auth.js session signs in; the dev cookie, tampered and foreign tokens do not', async () => {
    const user = await createUser('sessioned');
    const cookie = await authjsCookie(user.id);
    const me = await call('/v1/me', { headers: { Cookie: cookie } });
    expect(await slugOf(me)).toBe('sessioned');

    // The dev sign-in's cookie, valid under this instance's secret: it means nothing outside AUTH_MODE=none.
    const dev = `${SESSION_COOKIE_NAME}=${await sealSession(env.AUTH_SECRET, { sub: user.id, via: 'dev' })}`;
    const tampered = cookie.slice(0, -2) + (cookie.endsWith('AA') ? 'BB' : 'AA');
    const foreign = await authjsCookie(user.id, 'another-secret-0123456789abcdef0123456789');
    const [name] = AUTHJS_SESSION_COOKIE_NAMES;
    for (const value of [dev, tampered, foreign, `${name}=not base64!`]) {
      const response = await call('/v1/me', { headers: { Cookie: value } });
      expect(response.status, value).toBe(401);
    }
    const anonymous = await call('/auth/session');
    expect(await anonymous.json()).toMatchObject({ authenticated: false, user: null });
    expect((await call('/auth/dev/sign-in?user=sessioned')).status).toBe(404);
  });
});

describe('cross-site writes with ambient credentials (CSRF)', () => {
  const albumBody = (slug: string) => JSON.stringify({ slug, title: slug });

  it('refuses a write from a foreign page made with the session cookie, and allows the dashboard and API keys', async () => {
    const user = await createUser('csrf-target');
    const cookie = await authjsCookie(user.id);
    const post = (origin: Record<string, string>, auth: Record<string, string>, slug: string) =>
      call('/v1/albums', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...origin, ...auth },
        body: albumBody(slug),
      });

    const foreign = await post({ Origin: 'https://evil.example' }, { Cookie: cookie }, 'from-evil');
    expect(foreign.status).toBe(403);
    expect((await errorOf(foreign)).code).toBe('FORBIDDEN');
    const sandboxed = await post({ Origin: 'null' }, { Cookie: cookie }, 'from-sandbox');
    expect(sandboxed.status).toBe(403);
    const noOrigin = await post({ 'Sec-Fetch-Site': 'cross-site' }, { Cookie: cookie }, 'from-form');
    expect(noOrigin.status).toBe(403);
    // Nothing was created by the refused requests.
    const list = (await (await call('/v1/albums', authed(user.key))).json()) as { data: { slug: string }[] };
    expect(list.data.map((album) => album.slug)).toEqual([]);

    expect(
      (await post({ Origin: env.PUBLIC_DASHBOARD_URL }, { Cookie: cookie }, 'from-dashboard')).status,
    ).toBe(201);
    expect((await post({}, { Cookie: cookie }, 'from-a-script')).status).toBe(201);
    // An API key is never attached by the browser on its own: any origin may use one it was given.
    expect(
      (await post({ Origin: 'https://evil.example' }, { Authorization: `Bearer ${user.key}` }, 'with-key'))
        .status,
    ).toBe(201);
    // Reads are not affected.
    const read = await call('/v1/me', { headers: { Origin: 'https://evil.example', Cookie: cookie } });
    expect(read.status).toBe(200);
  });

  it('guards the local dev user too: a foreign page cannot act as alice on localhost', async () => {
    const db = createDb(env.DB);
    if (!(await db.select().from(users).where(eq(users.slug, 'alice')).get())) await createUser('alice');
    const response = await callWith(none, 'http://localhost:8787/v1/albums', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: 'https://evil.example' },
      body: albumBody('dev-evil'),
    });
    expect(response.status).toBe(403);
  });
});
