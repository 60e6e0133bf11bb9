import {
  ACCESS_JWT_COOKIE,
  ACCESS_JWT_HEADER,
  DEV_DEFAULT_USER_SLUG,
  SESSION_COOKIE_NAME,
  type ApiScope,
} from '@pixelflare/config';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { AppError } from '../lib/errors';
import type { AppEnv, Principal } from '../lib/types';
import { verifyAccessJwt } from '../services/auth/access';
import { authjsSession } from '../services/auth/authjs';
import {
  isLocalDevelopment,
  principalForSlug,
  principalForUserId,
  userPrincipal,
} from '../services/auth/principals';
import { provisionUser } from '../services/auth/provision';
import { newAccountPlan } from '../services/quotas/quotas';
import { openSession } from '../services/auth/session';
import { authenticateApiKey, touchApiKey } from '../services/keys/authenticate-key';
import { writeAudit } from './audit';
import { trustedOrigins } from './cors';

const BEARER = /^Bearer ([^\s]+)$/;

/**
 * Authentication: resolves the caller, if any, into `c.var.principal`. It never refuses an anonymous request;
 * routes declare what they need with `requireScope`. A credential that is presented but bad is a 401 at once.
 * Order tried: bearer API key, then the session cookie, then (AUTH_MODE=cloudflare) the Access JWT, then
 * (AUTH_MODE=none) the seeded local user.
 */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const principal = await tryAuthenticate(c);
  if (principal && principal.via !== 'api_key') refuseCrossSiteWrites(c);
  c.set('principal', principal);
  await next();
});

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Sessions, Access and the dev user ride along with any request the browser makes, including one a foreign page
 * triggers. A write from a page outside the API's, the dashboard's and the CORS origins is refused (CSRF);
 * browsers always send `Origin` (or `Sec-Fetch-Site`) on such requests. API keys are never sent by the browser
 * on its own, so they are not checked.
 */
function refuseCrossSiteWrites(c: Context<AppEnv>) {
  if (!WRITE_METHODS.has(c.req.method)) return;
  const origin = c.req.header('Origin');
  const crossSite = origin
    ? origin === 'null' || !trustedOrigins(c.get('config')).has(origin)
    : c.req.header('Sec-Fetch-Site') === 'cross-site';
  if (crossSite) {
    throw new AppError(
      403,
      'FORBIDDEN',
      'Cross-site request refused: this page may not act with your session (use an API key from other sites)',
    );
  }
}

async function tryAuthenticate(c: Context<AppEnv>): Promise<Principal | null> {
  const config = c.get('config');
  if (config.AUTH_MODE === 'none' && !isLocalDevelopment(config.ENVIRONMENT, c.req.url)) {
    throw new AppError(
      503,
      'MISCONFIGURED',
      'AUTH_MODE=none disables sign-in and is only allowed for local development (loopback host, not production)',
    );
  }
  const header = c.req.header('Authorization');
  if (header === undefined) {
    const session = await sessionPrincipal(c);
    if (session) return session;
    if (config.AUTH_MODE === 'cloudflare') return accessPrincipal(c);
    return config.AUTH_MODE === 'none' ? principalForSlug(c.get('db'), DEV_DEFAULT_USER_SLUG, 'dev') : null;
  }
  const match = BEARER.exec(header.trim());
  if (!match?.[1]) {
    throw new AppError(401, 'UNAUTHORIZED', 'Malformed Authorization header: expected "Bearer <api key>"');
  }
  const db = c.get('db');
  const result = await authenticateApiKey(db, c.get('config').API_HASH_SECRET, match[1]);
  if (!result.ok) {
    auditFailure(c, 'auth.api_key_failed', result.reason);
    throw new AppError(401, 'INVALID_API_KEY', 'The API key is invalid, expired or revoked');
  }
  if (result.touchLastUsed && result.principal.keyId) {
    c.executionCtx.waitUntil(touchApiKey(db, result.principal.keyId));
  }
  return result.principal;
}

/** An auth event's audit row (sign-in, sign-out, a failed credential), written after the answer. */
export function auditAuthEvent(
  c: Context<AppEnv>,
  action: string,
  ownerId: string | null,
  details: { outcome?: 'success' | 'failure'; metadata?: Record<string, unknown> } = {},
) {
  writeAudit(c, {
    ownerId,
    actor: ownerId ? `user:${ownerId}` : 'anonymous',
    action,
    outcome: details.outcome ?? 'success',
    metadata: details.metadata ?? null,
  });
}

/** A failed credential leaves an unowned audit row with the reason only, never the credential. */
function auditFailure(c: Context<AppEnv>, action: string, reason: string) {
  auditAuthEvent(c, action, null, { outcome: 'failure', metadata: { reason } });
}

/**
 * The user of a valid session cookie: in AUTH_MODE=authjs the Auth.js session token, in AUTH_MODE=none the dev
 * sign-in's own (`pf_session`), which means nothing in any other mode. A stale or forged cookie is ignored
 * (anonymous, so protected routes answer 401), not an error.
 */
async function sessionPrincipal(c: Context<AppEnv>): Promise<Principal | null> {
  const config = c.get('config');
  if (config.AUTH_MODE === 'authjs') {
    const session = await authjsSession(config, c.req.raw);
    if (!session) return null;
    const principal = await principalForUserId(c.get('db'), session.uid, 'session');
    return principal && !session.passkey && config.REQUIRE_PASSKEY_FOR_ADMINS
      ? withoutAdminPowers(principal)
      : principal;
  }
  if (config.AUTH_MODE !== 'none') return null;
  const cookie = getCookie(c, SESSION_COOKIE_NAME);
  if (!cookie) return null;
  const session = await openSession(config.AUTH_SECRET, cookie);
  if (!session) return null;
  const principal = await principalForUserId(c.get('db'), session.sub, session.via);
  // Only an Auth.js session records a passkey sign-in; a dev session of an admin lacks it.
  return principal && config.REQUIRE_PASSKEY_FOR_ADMINS ? withoutAdminPowers(principal) : principal;
}

/**
 * REQUIRE_PASSKEY_FOR_ADMINS and a session not started with a passkey: an admin acts as an ordinary user (no
 * `admin` scope, so no admin console and no admin-scoped API key either) until they sign in with a passkey.
 */
function withoutAdminPowers(principal: Principal): Principal {
  if (!principal.isAdmin) return principal;
  const scopes = new Set(principal.scopes);
  scopes.delete('admin');
  return { ...principal, scopes, adminNeedsPasskey: true };
}

/**
 * AUTH_MODE=cloudflare: the Access JWT from its header, or from its cookie for browser requests. Without one the
 * caller is anonymous; a token that is present but fails verification is a 401 at once, like a bad API key.
 */
async function accessPrincipal(c: Context<AppEnv>): Promise<Principal | null> {
  const token = c.req.header(ACCESS_JWT_HEADER) ?? getCookie(c, ACCESS_JWT_COOKIE);
  if (!token) return null;
  const { ACCESS_TEAM_DOMAIN, ACCESS_AUD } = c.get('config');
  if (!ACCESS_TEAM_DOMAIN || !ACCESS_AUD) return null; // unreachable: the env check requires both in this mode
  const verified = await verifyAccessJwt({ teamDomain: ACCESS_TEAM_DOMAIN, audience: ACCESS_AUD }, token);
  if (!verified.ok) {
    auditFailure(c, 'auth.access_jwt_failed', verified.reason);
    throw new AppError(401, 'UNAUTHORIZED', 'The Cloudflare Access token is invalid or expired');
  }
  const { user, created } = await provisionUser(
    c.get('db'),
    verified.identity,
    newAccountPlan(c.get('config')),
  );
  // Access signs people in; every request carries its token, so only the first sight of a person is an event here.
  if (created)
    auditAuthEvent(c, 'auth.user_provisioned', user.id, { metadata: { provider: 'cloudflare-access' } });
  if (user.disabledAt) throw new AppError(401, 'UNAUTHORIZED', 'This account is disabled');
  return userPrincipal(user, 'access');
}

/** Route guard: 401 without a principal, 403 `INSUFFICIENT_SCOPE` naming the scope it lacks. */
export function requireScope(scope: ApiScope) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const principal = c.get('principal');
    if (!principal)
      throw new AppError(
        401,
        'UNAUTHORIZED',
        'Authentication required: send "Authorization: Bearer <api key>"',
      );
    if (!principal.scopes.has(scope)) {
      throw new AppError(403, 'INSUFFICIENT_SCOPE', `This action needs the "${scope}" scope`);
    }
    await next();
  });
}

/** The authenticated principal, for handlers behind `requireScope`. */
export function principalOf(c: Context<AppEnv>): Principal {
  const principal = c.get('principal');
  if (!principal) throw new AppError(401, 'UNAUTHORIZED', 'Authentication required');
  return principal;
}

/** Route guard for endpoints any signed-in caller may use (e.g. reading their own profile). */
export const requireAuthenticated = createMiddleware<AppEnv>(async (c, next) => {
  principalOf(c);
  await next();
});

/**
 * Route guard for the admin console: the `admin` scope and an admin user. The scope alone is not enough,
 * because an ordinary user's key may carry it (it only widens what that user's own keys can do).
 */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const principal = principalOf(c);
  if (principal.adminNeedsPasskey) {
    throw new AppError(
      403,
      'PASSKEY_REQUIRED',
      'Administrators must sign in with a passkey on this instance (REQUIRE_PASSKEY_FOR_ADMINS): add one in ' +
        'Settings > Passkeys, sign out, and sign in with it',
    );
  }
  if (!principal.scopes.has('admin')) {
    throw new AppError(403, 'INSUFFICIENT_SCOPE', 'This action needs the "admin" scope');
  }
  if (!principal.isAdmin) throw new AppError(403, 'FORBIDDEN', 'Only administrators may do this');
  await next();
});
