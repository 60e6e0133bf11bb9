import { ACCESS_JWKS_COOLDOWN_MS, ACCESS_JWT_COOKIE, ACCESS_JWT_HEADER, PLANS } from '@pixelflare/config';
import { auditLogs, createDb, users } from '@pixelflare/database';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { importJWK, SignJWT, type JWTPayload } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import { createApp } from '../app';
import type { Bindings } from '../lib/env';
import { sha256Hex } from '../lib/crypto';
import { errorOf } from '../../test/helpers';
import { waitFor } from '../../test/wait-for';

const app = createApp();
const keys = inject('accessKeys');
const teamDomain = inject('accessTeamDomain');

/** The Worker as deployed behind Cloudflare Access. */
async function callAccess(path: string, init: RequestInit = {}, vars: Record<string, string> = {}) {
  const ctx = createExecutionContext();
  const response = await app.fetch(
    new Request(`http://localhost:8787${path}`, init),
    { ...env, AUTH_MODE: 'cloudflare', ...vars } as Bindings,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

/** A token shaped like Access's: RS256 with a `kid`, `aud` as an array, the team as issuer. */
async function accessToken(
  claims: JWTPayload & { email?: string } = {},
  options: { key?: keyof typeof keys; kid?: string; expiresIn?: string | number } = {},
) {
  const signer = keys[options.key ?? 'published'];
  const privateKey = await importJWK(signer.privateJwk, 'RS256');
  return new SignJWT({ email: 'carol@example.test', type: 'app', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? signer.kid })
    .setIssuer(teamDomain)
    .setAudience(claims.aud ?? [env.ACCESS_AUD])
    .setSubject(claims.sub ?? 'access-user-carol')
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '1h')
    .sign(privateKey);
}

const base64url = (value: object) =>
  btoa(JSON.stringify(value)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');

async function meWith(token: string, via: 'header' | 'cookie' = 'header') {
  const headers: Record<string, string> =
    via === 'header' ? { [ACCESS_JWT_HEADER]: token } : { Cookie: `${ACCESS_JWT_COOKIE}=${token}` };
  return callAccess('/v1/me', { headers });
}

describe('AUTH_MODE=cloudflare: Cloudflare Access JWTs', () => {
  it('accepts a valid token from the header or the cookie and provisions one user keyed by a hash of sub', async () => {
    const token = await accessToken();
    const fromHeader = await meWith(token);
    expect(fromHeader.status).toBe(200);
    const profile = (await fromHeader.json()) as { id: string; slug: string; email: string };
    expect(profile).toMatchObject({ slug: 'carol', email: 'carol@example.test' });

    const fromCookie = await meWith(token, 'cookie');
    expect(((await fromCookie.json()) as { id: string }).id).toBe(profile.id);

    // The team's keys are cached: more requests fetch nothing.
    const certRequests = async () =>
      ((await (await fetch(`${teamDomain}/stats`)).json()) as { certRequests: number }).certRequests;
    const before = await certRequests();
    for (let i = 0; i < 3; i++) expect((await meWith(token)).status).toBe(200);
    expect(await certRequests()).toBe(before);

    const db = createDb(env.DB);
    const provisioned = await db
      .select()
      .from(auditLogs)
      .where(eq(auditLogs.action, 'auth.user_provisioned'))
      .all();
    expect(provisioned.filter((entry) => entry.ownerId === profile.id)).toHaveLength(1);
    const row = await db.select().from(users).where(eq(users.id, profile.id)).get();
    expect(row?.accessSubjectHash).toBe(await sha256Hex('access:access-user-carol'));
    expect(JSON.stringify(row)).not.toContain('access-user-carol');
  });

  it('starts a new account on the unlimited plan where no limit applies, and on free where limits or billing do', async () => {
    const usageOf = async (sub: string, vars: Record<string, string>) => {
      const token = await accessToken({ sub, email: `${sub}@example.test` });
      const response = await callAccess('/v1/usage', { headers: { [ACCESS_JWT_HEADER]: token } }, vars);
      expect(response.status).toBe(200);
      return (await response.json()) as {
        plan: string;
        enforced: boolean;
        images: { limit: number | null };
        bytes: { limit: number | null };
        bandwidth: { limit: number | null };
      };
    };
    // The self-hosted default (USAGE_LIMITS_ENABLED and STRIPE_ENABLED off): no limit is shown or kept.
    const selfHosted = await usageOf('access-user-gina', {});
    expect(selfHosted).toMatchObject({
      plan: 'unlimited',
      enforced: false,
      images: { limit: null },
      bytes: { limit: null },
      bandwidth: { limit: null },
    });
    // Turning enforcement on later keeps that account unlimited; an account made afterwards starts on free.
    expect(await usageOf('access-user-gina', { USAGE_LIMITS_ENABLED: 'true' })).toMatchObject({
      plan: 'unlimited',
      enforced: true,
      images: { limit: null },
    });
    expect(await usageOf('access-user-hank', { USAGE_LIMITS_ENABLED: 'true' })).toMatchObject({
      plan: 'free',
      enforced: true,
      images: { limit: PLANS.free.maxImages },
    });
  });

  it('refuses a wrong audience, an expired token, an unknown key, a forged signature and alg none with 401', async () => {
    const db = createDb(env.DB);
    const usersBefore = (await db.select().from(users).all()).length;
    const genuine = await accessToken({ sub: 'access-user-dave' });
    const [header, payload] = genuine.split('.');
    const cases: Record<string, string> = {
      'wrong audience': await accessToken({ aud: ['another-app'] }),
      expired: await accessToken({}, { expiresIn: Math.floor(Date.now() / 1000) - 600 }),
      'unknown kid': await accessToken({}, { key: 'stranger' }),
      'known kid, foreign signature': await accessToken({}, { key: 'stranger', kid: keys.published.kid }),
      'alg none': `${base64url({ alg: 'none', kid: keys.published.kid })}.${payload}.`,
      'tampered payload': `${header}.${base64url({ sub: 'access-user-admin', aud: [env.ACCESS_AUD], iss: teamDomain, exp: 4102444800 })}.${genuine.split('.')[2]}`,
      garbage: 'not.a.jwt',
    };
    for (const [name, token] of Object.entries(cases)) {
      const response = await meWith(token);
      expect(response.status, name).toBe(401);
      const error = await errorOf(response);
      expect(error.code, name).toBe('UNAUTHORIZED');
      expect(JSON.stringify(error), name).not.toContain(token);
    }
    expect(await db.select().from(users).all()).toHaveLength(usersBefore);
    const failures = await db
      .select()
      .from(auditLogs)
      .where(eq(auditLogs.action, 'auth.access_jwt_failed'))
      .all();
    expect(failures).toHaveLength(Object.keys(cases).length);
    expect(JSON.stringify(failures)).not.toContain(genuine.split('.')[2]);
  });

  it('without a token the caller is anonymous: protected routes answer 401, public ones work', async () => {
    expect((await callAccess('/v1/me')).status).toBe(401);
    expect((await callAccess('/v1/status')).status).toBe(200);
  });

  it('refetches the team keys when a token names a new kid (key rotation)', async () => {
    expect(
      (await meWith(await accessToken({ sub: 'access-user-erin', email: 'erin@example.test' }))).status,
    ).toBe(200);
    const rotatedToken = await accessToken(
      { sub: 'access-user-erin', email: 'erin@example.test' },
      { key: 'rotated' },
    );
    await fetch(`${teamDomain}/rotate`, { method: 'POST' });
    // The refetch is rate-limited per isolate (a stream of forged kids must not become a stream of requests):
    // the new kid is accepted once the cooldown since the last fetch has passed.
    const response = await waitFor(
      async () => {
        const answer = await meWith(rotatedToken);
        expect(answer.status).toBe(200);
        return answer;
      },
      { timeout: ACCESS_JWKS_COOLDOWN_MS + 30_000, interval: 500 },
    );
    expect(((await response.json()) as { slug: string }).slug).toBe('erin');
  });
});
