import { DEV_DEFAULT_USER_SLUG, SESSION_COOKIE_NAME, type ApiScope } from '@pixelflare/config';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { AppError } from '../lib/errors';
import type { AppEnv, Principal } from '../lib/types';
import { recordAudit } from '../services/audit/audit-log';
import { isLocalDevelopment, principalForSlug, principalForUserId } from '../services/auth/principals';
import { openSession } from '../services/auth/session';
import { authenticateApiKey, touchApiKey } from '../services/keys/authenticate-key';
import { clientIp } from './client-ip';

const BEARER = /^Bearer ([^\s]+)$/;

/**
 * Authentication: resolves the caller, if any, into `c.var.principal`. It never refuses an anonymous request;
 * routes declare what they need with `requireScope`. A credential that is presented but bad is a 401 at once.
 * Order tried: bearer API key, then the session cookie, then (AUTH_MODE=none) the seeded local user.
 */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.path.startsWith('/cdn/')) return next();
  const principal = await tryAuthenticate(c);
  c.set('principal', principal);
  await next();
});

export async function tryAuthenticate(c: Context<AppEnv>): Promise<Principal | null> {
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
    return config.AUTH_MODE === 'none' ? principalForSlug(c.get('db'), DEV_DEFAULT_USER_SLUG, 'dev') : null;
  }
  const match = BEARER.exec(header.trim());
  if (!match?.[1]) {
    throw new AppError(401, 'UNAUTHORIZED', 'Malformed Authorization header: expected "Bearer <api key>"');
  }
  const db = c.get('db');
  const result = await authenticateApiKey(db, c.get('config').API_HASH_SECRET, match[1]);
  if (!result.ok) {
    c.executionCtx.waitUntil(
      recordAudit(db, {
        ownerId: null,
        actor: 'anonymous',
        action: 'auth.api_key_failed',
        outcome: 'failure',
        ip: clientIp(c),
        userAgent: c.req.header('User-Agent') ?? null,
        requestId: c.get('requestId'),
        metadata: { reason: result.reason },
      }),
    );
    throw new AppError(401, 'INVALID_API_KEY', 'The API key is invalid, expired or revoked');
  }
  if (result.touchLastUsed && result.principal.keyId) {
    c.executionCtx.waitUntil(touchApiKey(db, result.principal.keyId));
  }
  return result.principal;
}

/** The user of a valid session cookie. A stale or forged cookie is ignored (anonymous), not an error. */
async function sessionPrincipal(c: Context<AppEnv>): Promise<Principal | null> {
  const cookie = getCookie(c, SESSION_COOKIE_NAME);
  if (!cookie) return null;
  const session = await openSession(c.get('config').AUTH_SECRET, cookie);
  if (!session) return null;
  // A dev session means nothing outside AUTH_MODE=none.
  if (session.via === 'dev' && c.get('config').AUTH_MODE !== 'none') return null;
  return principalForUserId(c.get('db'), session.sub, session.via);
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
  if (!principal.scopes.has('admin')) {
    throw new AppError(403, 'INSUFFICIENT_SCOPE', 'This action needs the "admin" scope');
  }
  if (!principal.isAdmin) throw new AppError(403, 'FORBIDDEN', 'Only administrators may do this');
  await next();
});
