import { encode } from '@auth/core/jwt';
import { auditLogs, createDb, passkeyChallenges, passkeys } from '@pixelflare/database';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { authed, BASE, call, createUser, errorOf, type TestUser } from '../../../test/helpers';
import { createCredential, getAssertion, type SoftCredential } from '../../../test/soft-authenticator';
import { createApp } from '../../app';
import type { Bindings } from '../../lib/env';

const DASHBOARD = 'http://localhost:5173';
const app = createApp();

/** The Worker with other settings than the test default (REQUIRE_PASSKEY_FOR_ADMINS, AUTH_MODE). */
async function callWith(overrides: Record<string, string>, path: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(BASE + path, init), { ...env, ...overrides } as Bindings, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** An Auth.js session cookie as a provider sign-in leaves it (or a passkey sign-in, with `amr`). */
async function sessionCookie(userId: string, passkey = false) {
  const value = await encode({
    token: { sub: userId, uid: userId, ...(passkey ? { amr: 'passkey' } : {}) },
    secret: env.AUTH_SECRET,
    salt: 'authjs.session-token',
  });
  return `authjs.session-token=${value}`;
}

const post = (body: unknown, cookie?: string): RequestInit => ({
  method: 'POST',
  headers: {
    'Content-Type': 'application/json',
    Origin: DASHBOARD,
    ...(cookie ? { Cookie: cookie } : {}),
  },
  body: JSON.stringify(body),
});

interface Options {
  challenge_id: string;
  options: {
    challenge: string;
    rp: { id: string; name: string };
    rpId: string;
    user: { id: string; name: string };
    excludeCredentials?: { id: string }[];
    allowCredentials?: unknown[];
    authenticatorSelection?: Record<string, unknown>;
  };
}

async function ok<T>(response: Response, status = 200): Promise<T> {
  expect(response.status, await response.clone().text()).toBe(status);
  return (await response.json()) as T;
}

/** Registers a passkey for `user` the way the dashboard does: options, the authenticator, verify. */
async function register(user: TestUser, name = 'Laptop') {
  const cookie = await sessionCookie(user.id);
  const start = await ok<Options>(await call('/v1/passkeys/registration/options', post({}, cookie)));
  const { credential, response } = await createCredential(start.options, DASHBOARD);
  const passkey = await ok<{ id: string; name: string }>(
    await call(
      '/v1/passkeys/registration',
      post({ challenge_id: start.challenge_id, name, response }, cookie),
    ),
    201,
  );
  return { credential, passkey };
}

async function signIn(
  credential: SoftCredential,
  overrides: Parameters<typeof getAssertion>[3] = {},
  settings: Record<string, string> = {},
) {
  const start = await ok<Options>(await callWith(settings, '/v1/passkeys/sign-in/options', post({})));
  const response = await getAssertion(credential, start.options, DASHBOARD, overrides);
  return callWith(settings, '/v1/passkeys/sign-in', post({ challenge_id: start.challenge_id, response }));
}

const cookieOf = (response: Response) =>
  response.headers
    .getSetCookie()
    .find((c) => c.startsWith('authjs.session-token='))
    ?.split(';')[0];

describe('passkey registration', () => {
  it('hands out discoverable-credential options bound to the dashboard host, for a session only', async () => {
    const user = await createUser('pk-options');
    const options = await ok<Options>(
      await call('/v1/passkeys/registration/options', post({}, await sessionCookie(user.id))),
    );
    expect(options.options.rp).toEqual({ id: 'localhost', name: 'Pixelflare' });
    expect(atob(options.options.user.id.replaceAll('-', '+').replaceAll('_', '/'))).toBe(user.id);
    expect(options.options.authenticatorSelection).toMatchObject({ residentKey: 'required' });
    expect(options.options.challenge.length).toBeGreaterThan(20);

    // An API key (even with every scope) cannot add a way to sign in; nobody anonymous either.
    const withKey = await call('/v1/passkeys/registration/options', authed(user.key, post({})));
    expect(withKey.status).toBe(403);
    expect((await errorOf(withKey)).message).toMatch(/dashboard session/);
    expect((await call('/v1/passkeys/registration/options', post({}))).status).toBe(401);
  });

  it('registers a passkey, lists it, excludes it from the next options; its challenge works once', async () => {
    const user = await createUser('pk-register');
    const cookie = await sessionCookie(user.id);
    const start = await ok<Options>(await call('/v1/passkeys/registration/options', post({}, cookie)));
    const { response } = await createCredential(start.options, DASHBOARD);
    const body = { challenge_id: start.challenge_id, name: '  Work laptop ', response };
    const created = await ok<Record<string, unknown>>(
      await call('/v1/passkeys/registration', post(body, cookie)),
      201,
    );
    expect(created).toMatchObject({ name: 'Work laptop', transports: ['internal'], last_used_at: null });

    const replay = await call('/v1/passkeys/registration', post(body, cookie));
    expect(replay.status).toBe(400);
    expect((await errorOf(replay)).message).toMatch(/unknown, expired or already used/);

    const list = await ok<{ data: { id: string }[] }>(await call('/v1/passkeys', authed(user.key)));
    expect(list.data.map((p) => p.id)).toEqual([created.id]);
    const next = await ok<Options>(await call('/v1/passkeys/registration/options', post({}, cookie)));
    expect(next.options.excludeCredentials?.map((c) => c.id)).toEqual([response.id]);
  });

  it('refuses answers for another origin, another user’s challenge, an expired challenge, and garbage', async () => {
    const user = await createUser('pk-refusals');
    const other = await createUser('pk-refusals-other');
    const cookie = await sessionCookie(user.id);
    const db = createDb(env.DB);

    const foreign = await ok<Options>(await call('/v1/passkeys/registration/options', post({}, cookie)));
    const phished = await createCredential(foreign.options, 'https://evil.example');
    const wrongOrigin = await call(
      '/v1/passkeys/registration',
      post({ challenge_id: foreign.challenge_id, name: 'x', response: phished.response }, cookie),
    );
    expect(wrongOrigin.status).toBe(400);
    expect((await errorOf(wrongOrigin)).message).toMatch(/could not be verified.*origin/i);

    const mine = await ok<Options>(await call('/v1/passkeys/registration/options', post({}, cookie)));
    const answer = await createCredential(mine.options, DASHBOARD);
    const stolen = await call(
      '/v1/passkeys/registration',
      post(
        { challenge_id: mine.challenge_id, name: 'x', response: answer.response },
        await sessionCookie(other.id),
      ),
    );
    expect(stolen.status).toBe(400);

    await db
      .update(passkeyChallenges)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(passkeyChallenges.id, mine.challenge_id));
    const late = await call(
      '/v1/passkeys/registration',
      post({ challenge_id: mine.challenge_id, name: 'x', response: answer.response }, cookie),
    );
    expect(late.status).toBe(400);

    const fresh = await ok<Options>(await call('/v1/passkeys/registration/options', post({}, cookie)));
    const garbage = await call(
      '/v1/passkeys/registration',
      post({ challenge_id: fresh.challenge_id, name: 'x', response: { id: 'nope' } }, cookie),
    );
    expect(garbage.status).toBe(400);
    const invalid = await call('/v1/passkeys/registration', post({ name: '' }, cookie));
    expect(invalid.status).toBe(400);
    expect((await errorOf(invalid)).code).toBe('VALIDATION_FAILED');
    expect(await db.select().from(passkeys).where(eq(passkeys.ownerId, user.id)).all()).toEqual([]);
  });
});

describe('passkey sign-in', () => {
  it('starts the same Auth.js session a provider sign-in does, and records when the passkey was used', async () => {
    const user = await createUser('pk-signin');
    const { credential, passkey } = await register(user);
    const options = await ok<Options>(await call('/v1/passkeys/sign-in/options', post({})));
    expect(options.options.rpId).toBe('localhost');
    expect(options.options.allowCredentials ?? []).toEqual([]);

    const answer = await signIn(credential);
    const body = await ok<{ authenticated: boolean; user: { slug: string } }>(answer);
    expect(body).toMatchObject({ authenticated: true, user: { slug: 'pk-signin' } });
    const setCookie = answer.headers.getSetCookie().find((c) => c.startsWith('authjs.session-token='));
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    const me = await call('/v1/me', { headers: { Cookie: cookieOf(answer) ?? '' } });
    expect(((await me.json()) as { slug: string }).slug).toBe('pk-signin');
    const session = await call('/auth/session', { headers: { Cookie: cookieOf(answer) ?? '' } });
    expect(await session.json()).toMatchObject({ authenticated: true, via: 'session' });

    const list = await ok<{ data: { id: string; last_used_at: string | null }[] }>(
      await call('/v1/passkeys', authed(user.key)),
    );
    expect(list.data.find((p) => p.id === passkey.id)?.last_used_at).not.toBeNull();
    const audit = await createDb(env.DB)
      .select()
      .from(auditLogs)
      .where(eq(auditLogs.action, 'auth.sign_in'))
      .all();
    expect(audit.filter((row) => row.ownerId === user.id).map((row) => row.outcome)).toEqual(['success']);
  });

  it('uses each sign-in challenge once', async () => {
    const user = await createUser('pk-once');
    const { credential } = await register(user);
    const start = await ok<Options>(await call('/v1/passkeys/sign-in/options', post({})));
    const response = await getAssertion(credential, start.options, DASHBOARD);
    const body = { challenge_id: start.challenge_id, response };
    expect((await call('/v1/passkeys/sign-in', post(body))).status).toBe(200);
    const replay = await call('/v1/passkeys/sign-in', post(body));
    expect(replay.status).toBe(400);
    expect(cookieOf(replay)).toBeUndefined();
  });

  it('refuses a cloned authenticator (the signature counter went backwards) and keeps refusing it', async () => {
    const user = await createUser('pk-clone');
    const { credential } = await register(user);
    expect((await signIn(credential)).status).toBe(200);
    expect((await signIn(credential)).status).toBe(200); // counter 2 stored
    const clone = await signIn(credential, { counter: 1 });
    expect(clone.status).toBe(401);
    expect(cookieOf(clone)).toBeUndefined();
    const cloneError = await errorOf(clone);
    expect(cloneError.code).toBe('PASSKEY_CLONED');
    expect(cloneError.message).toMatch(/signature counter went backwards.*cloned/);
    const same = await signIn(credential, { counter: 2 });
    expect(same.status).toBe(401);
    const row = await createDb(env.DB).select().from(passkeys).where(eq(passkeys.ownerId, user.id)).get();
    expect(row?.counter).toBe(2);
    // The genuine authenticator, further along, still works.
    expect((await signIn(credential, { counter: 5 })).status).toBe(200);
  });

  it('never signs anyone in with a credential registered to another user, or an unknown or removed one', async () => {
    const alice = await createUser('pk-alice');
    const bob = await createUser('pk-bob');
    const { credential: bobs } = await register(bob);
    const aliceHandle = btoa(alice.id).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
    const asAlice = await signIn(bobs, { userHandle: aliceHandle });
    expect(asAlice.status).toBe(401);
    expect(cookieOf(asAlice)).toBeUndefined();
    expect((await errorOf(asAlice)).message).toMatch(/does not belong/);

    // Alice's own key claiming bob's credential id: the signature does not verify with bob's public key.
    const { credential: alices } = await register(alice);
    const forged = await signIn({ ...alices, id: bobs.id, userHandle: bobs.userHandle });
    expect(forged.status).toBe(401);
    expect(cookieOf(forged)).toBeUndefined();

    const unknown = await signIn({ ...alices, id: 'AAAAAAAAAAAAAAAAAAAAAA' });
    expect(unknown.status).toBe(401);
    expect((await errorOf(unknown)).message).toMatch(/not registered/);
  });

  it('refuses a disabled account, and answers FEATURE_DISABLED outside AUTH_MODE=authjs', async () => {
    const user = await createUser('pk-disabled');
    const { credential } = await register(user);
    await env.DB.prepare('UPDATE users SET disabled_at = ? WHERE id = ?').bind(Date.now(), user.id).run();
    expect((await signIn(credential)).status).toBe(401);

    const cloudflare = await callWith(
      { AUTH_MODE: 'cloudflare', ACCESS_TEAM_DOMAIN: 'https://team.cloudflareaccess.com', ACCESS_AUD: 'aud' },
      '/v1/passkeys/sign-in/options',
      post({}),
    );
    expect(cloudflare.status).toBe(404);
    expect((await errorOf(cloudflare)).code).toBe('FEATURE_DISABLED');
  });
});

describe('managing passkeys', () => {
  it('renames and removes only your own; a removed passkey signs nobody in', async () => {
    const alice = await createUser('pk-own-alice');
    const bob = await createUser('pk-own-bob');
    const { credential, passkey } = await register(alice, 'Phone');
    const patch = (name: string): RequestInit => ({
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name }),
    });
    expect((await call(`/v1/passkeys/${passkey.id}`, authed(bob.key, patch('mine now')))).status).toBe(404);
    expect((await call(`/v1/passkeys/${passkey.id}`, authed(bob.key, { method: 'DELETE' }))).status).toBe(
      404,
    );
    expect((await ok<{ data: unknown[] }>(await call('/v1/passkeys', authed(bob.key)))).data).toEqual([]);

    const renamed = await ok<{ name: string }>(
      await call(`/v1/passkeys/${passkey.id}`, authed(alice.key, patch('Old phone'))),
    );
    expect(renamed.name).toBe('Old phone');
    expect((await call(`/v1/passkeys/${passkey.id}`, authed(alice.key, patch('')))).status).toBe(400);
    expect((await call(`/v1/passkeys/${passkey.id}`, authed(alice.key, { method: 'DELETE' }))).status).toBe(
      204,
    );
    expect((await call(`/v1/passkeys/${passkey.id}`, authed(alice.key, { method: 'DELETE' }))).status).toBe(
      404,
    );
    expect((await signIn(credential)).status).toBe(401);
  });
});

/** Cookies for one site, as a browser keeps them (enough for Auth.js's state, PKCE and session cookies). */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  take(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';')[0] ?? '';
      const name = pair.slice(0, pair.indexOf('=')).trim();
      const value = pair.slice(pair.indexOf('=') + 1).trim();
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  has(name: string) {
    return this.cookies.has(name);
  }
  header() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/** A provider sign-in through the test OpenID provider, with the Worker under `settings`; the callback's answer. */
async function signInWithProvider(settings: Record<string, string>, jar = new CookieJar()) {
  const worker = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set('Cookie', jar.header());
    const response = await callWith(settings, path, { ...init, headers, redirect: 'manual' });
    jar.take(response);
    return response;
  };
  const { csrfToken } = (await (await worker('/auth/csrf')).json()) as { csrfToken: string };
  let response = await worker('/auth/signin/oidc?login_hint=jane', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrfToken, callbackUrl: '/' }),
  });
  const providerJar = new CookieJar();
  for (let hop = 0; hop < 12; hop++) {
    // The provider's own redirects are relative to where it answered from.
    const location = new URL(response.headers.get('Location') ?? '', response.url || BASE);
    if (location.href.startsWith(`${BASE}/auth/callback/`)) {
      return { callback: await worker(location.pathname + location.search), jar };
    }
    response = await fetch(location, { headers: { Cookie: providerJar.header() }, redirect: 'manual' });
    providerJar.take(response);
  }
  throw new Error('the sign-in never came back to the Worker');
}

describe('REQUIRE_PASSKEY_FOR_ADMINS', () => {
  const required = { REQUIRE_PASSKEY_FOR_ADMINS: 'true' };

  it('refuses a provider sign-in to an admin who has a passkey, and lets one without sign in', async () => {
    const first = await signInWithProvider(required);
    expect(first.callback.status).toBe(302);
    expect(first.jar.has('authjs.session-token')).toBe(true);
    const me = (await (
      await callWith(required, '/v1/me', { headers: { Cookie: first.jar.header() } })
    ).json()) as { id: string };
    // An administrator, with no passkey yet: the provider sign-in above was allowed.
    await env.DB.prepare('UPDATE users SET is_admin = 1 WHERE id = ?').bind(me.id).run();
    expect((await signInWithProvider(required)).jar.has('authjs.session-token')).toBe(true);

    await register({ id: me.id, slug: 'jane-doe', key: '', keyId: '' });
    const refused = await signInWithProvider(required);
    expect(refused.callback.headers.get('Location')).toBe(`${DASHBOARD}/sign-in?error=PasskeyRequired`);
    expect(refused.jar.has('authjs.session-token')).toBe(false);
    // Without the setting the same admin signs in with the provider as before.
    const allowed = await signInWithProvider({});
    expect(allowed.jar.has('authjs.session-token')).toBe(true);
  });

  it('keeps the admin console from sessions not started with a passkey, and admin keys from being made there', async () => {
    const admin = await createUser('pk-admin', { isAdmin: true });
    const providerSession = { headers: { Cookie: await sessionCookie(admin.id) } };
    const refused = await callWith(required, '/v1/admin/users', providerSession);
    expect(refused.status).toBe(403);
    const refusal = await errorOf(refused);
    expect(refusal.code).toBe('PASSKEY_REQUIRED');
    expect(refusal.message).toMatch(/sign in with a passkey.*Settings > Passkeys/);
    const adminKey = await callWith(required, '/v1/keys', {
      ...post({ name: 'sneaky', scopes: ['admin'] }, await sessionCookie(admin.id)),
    });
    expect(adminKey.status).toBe(403);
    // Everything else an admin does as a user still works, including adding the passkey.
    expect((await callWith(required, '/v1/me', providerSession)).status).toBe(200);
    expect(
      (await callWith(required, '/v1/passkeys/registration/options', post({}, await sessionCookie(admin.id))))
        .status,
    ).toBe(200);

    const { credential } = await register(admin);
    const passkeySignIn = await signIn(credential, {}, required);
    expect(passkeySignIn.status).toBe(200);
    const withPasskey = { headers: { Cookie: cookieOf(passkeySignIn) ?? '' } };
    expect((await callWith(required, '/v1/admin/users', withPasskey)).status).toBe(200);
    // Without the setting a provider session is an admin session as before.
    expect((await callWith({}, '/v1/admin/users', providerSession)).status).toBe(200);
  });
});
