import type { AuthConfig } from '@auth/core';
import { encode, getToken } from '@auth/core/jwt';
import GitHub from '@auth/core/providers/github';
import Google from '@auth/core/providers/google';
import type { Provider } from '@auth/core/providers';
import {
  AUTHJS_SESSION_COOKIE_NAMES,
  PASSKEY_REQUIRED_SIGN_IN_ERROR,
  SESSION_TTL_SECONDS,
  type AuthjsProviderId,
} from '@pixelflare/config';
import type { Database } from '@pixelflare/database';
import type { EnvVars } from '../../lib/env';
import { describeError, type Logger } from '../../lib/logger';
import { passkeyCount } from '../passkeys/passkeys';
import { newAccountPlan } from '../quotas/quotas';
import { provisionUser, type ExternalIdentity } from './provision';

/** Where Auth.js sends people to sign in or to see why sign-in failed (a path on its own origin). */
export const SIGN_IN_PAGE_PATH = '/auth/sign-in';

export interface SignInProvider {
  id: AuthjsProviderId;
  name: string;
}

/** The providers with a complete configuration, in the order the sign-in page shows them. */
export function configuredProviders(config: EnvVars): SignInProvider[] {
  const providers: SignInProvider[] = [];
  if (config.GITHUB_OAUTH_CLIENT_ID) providers.push({ id: 'github', name: 'GitHub' });
  if (config.GOOGLE_OAUTH_CLIENT_ID) providers.push({ id: 'google', name: 'Google' });
  if (config.OIDC_ISSUER) providers.push({ id: 'oidc', name: config.OIDC_PROVIDER_NAME });
  return providers;
}

function authjsProviders(config: EnvVars): Provider[] {
  const providers: Provider[] = [];
  if (config.GITHUB_OAUTH_CLIENT_ID && config.GITHUB_OAUTH_CLIENT_SECRET) {
    providers.push(
      GitHub({ clientId: config.GITHUB_OAUTH_CLIENT_ID, clientSecret: config.GITHUB_OAUTH_CLIENT_SECRET }),
    );
  }
  if (config.GOOGLE_OAUTH_CLIENT_ID && config.GOOGLE_OAUTH_CLIENT_SECRET) {
    providers.push(
      Google({ clientId: config.GOOGLE_OAUTH_CLIENT_ID, clientSecret: config.GOOGLE_OAUTH_CLIENT_SECRET }),
    );
  }
  if (config.OIDC_ISSUER && config.OIDC_CLIENT_ID && config.OIDC_CLIENT_SECRET) {
    providers.push({
      id: 'oidc',
      name: config.OIDC_PROVIDER_NAME,
      type: 'oidc',
      issuer: config.OIDC_ISSUER,
      clientId: config.OIDC_CLIENT_ID,
      clientSecret: config.OIDC_CLIENT_SECRET,
      checks: ['pkce', 'state', 'nonce'],
      // Many issuers keep the id_token thin; the userinfo endpoint always has the email and name.
      idToken: false,
    });
  }
  return providers;
}

const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);

/** What a provider's profile says about the person, in the shape provisioning takes. */
export function identityFromProfile(
  provider: string,
  providerAccountId: string,
  profile: Record<string, unknown>,
): ExternalIdentity {
  const email = text(profile.email);
  return {
    kind: 'authjs',
    key: `${provider}:${providerAccountId}`,
    usernames: [text(profile.login), text(profile.preferred_username), text(profile.nickname)],
    email,
    // GitHub only publishes verified addresses; OpenID providers say so in `email_verified`.
    emailVerified: provider === 'github' ? email !== null : profile.email_verified === true,
    name: text(profile.name),
    image: text(profile.avatar_url) ?? text(profile.picture),
  };
}

export interface SignInHooks {
  /** Called once per completed sign-in (success or refusal) so the caller can audit it. */
  onSignIn(outcome: { userId: string | null; provider: string; newUser: boolean; refused?: string }): void;
  /** Where Auth.js's own errors go (an unreachable issuer, a bad state cookie): the person only sees a redirect. */
  logger: Logger;
}

/**
 * Auth.js for the OAuth/OIDC dance only. On the first sign-in it provisions the user and keeps the user id in
 * the encrypted session token (`uid`); from then on `sessionUserId` reads it. Sessions last 7 days and are not
 * stored server-side (JWT strategy): disabling a user ends their sessions at the next request instead.
 */
export function createAuthConfig(config: EnvVars, db: Database, hooks: SignInHooks): AuthConfig {
  const dashboard = config.PUBLIC_DASHBOARD_URL?.replace(/\/+$/, '');
  let signedInUserId: string | null = null;
  return {
    secret: config.AUTH_SECRET,
    basePath: '/auth',
    trustHost: true,
    providers: authjsProviders(config),
    session: { strategy: 'jwt', maxAge: SESSION_TTL_SECONDS },
    // Auth.js's own HTML pages are replaced by one route that sends people to the dashboard (auth.index.ts).
    pages: { signIn: SIGN_IN_PAGE_PATH, error: SIGN_IN_PAGE_PATH },
    logger: {
      error: (error) => hooks.logger.warn('sign-in failed', describeError(error.cause ?? error)),
      warn: (code) => hooks.logger.warn('auth.js warning', { code }),
      debug: () => {},
    },
    callbacks: {
      async signIn({ account, profile }) {
        if (!account || !profile) return false;
        const { user, created } = await provisionUser(
          db,
          identityFromProfile(account.provider, account.providerAccountId, profile),
          newAccountPlan(config),
        );
        const outcome = { userId: user.id, provider: account.provider, newUser: created };
        if (user.disabledAt) {
          hooks.onSignIn({ ...outcome, refused: 'account disabled' });
          return false;
        }
        // REQUIRE_PASSKEY_FOR_ADMINS: an admin with a passkey signs in with it, never with a provider alone.
        if (config.REQUIRE_PASSKEY_FOR_ADMINS && user.isAdmin && (await passkeyCount(db, user.id)) > 0) {
          hooks.onSignIn({ ...outcome, refused: 'passkey required for admins' });
          const query = new URLSearchParams({ error: PASSKEY_REQUIRED_SIGN_IN_ERROR });
          return dashboard
            ? `${dashboard}/sign-in?${query}`
            : `${config.PUBLIC_API_URL.replace(/\/+$/, '')}${SIGN_IN_PAGE_PATH}?${query}`;
        }
        signedInUserId = user.id;
        hooks.onSignIn(outcome);
        return true;
      },
      jwt({ token, account }) {
        if (account && signedInUserId) token.uid = signedInUserId;
        return token;
      },
      redirect({ url, baseUrl }) {
        if (url.startsWith('/') && !url.startsWith('//')) return `${dashboard ?? baseUrl}${url}`;
        const origin = URL.canParse(url) ? new URL(url).origin : null;
        const allowed = [new URL(baseUrl).origin, dashboard && new URL(dashboard).origin];
        return origin && allowed.includes(origin) ? url : (dashboard ?? baseUrl);
      },
    },
  };
}

/**
 * Decrypting an Auth.js session (HKDF key derivation + JWE) costs about 0.6 ms of CPU, measured by bench/auth.ts,
 * and a browser sends the same cookie on every request. Decrypted sessions are kept per isolate, bounded, until
 * they expire: a cookie is a bearer secret either way, and the user row is still read on every request, so a
 * disabled user is refused at once.
 */
const SESSION_CACHE_SIZE = 1000;
const sessionCache = new Map<string, AuthjsSession & { expiresAt: number; secret: string }>();

/** A signed-in Auth.js session: whose, and whether it was started with a passkey (`amr` claim). */
export interface AuthjsSession {
  uid: string;
  passkey: boolean;
}

/** The session in a valid Auth.js session cookie, or null (absent, tampered, from another secret, expired). */
export async function authjsSession(config: EnvVars, request: Request): Promise<AuthjsSession | null> {
  const secureCookie = new URL(request.url).protocol === 'https:';
  const raw = await getToken({ req: request, secret: config.AUTH_SECRET, secureCookie, raw: true });
  if (!raw) return null;
  const cached = sessionCache.get(raw);
  if (cached && cached.secret === config.AUTH_SECRET && cached.expiresAt > Date.now())
    return { uid: cached.uid, passkey: cached.passkey };
  const token = await getToken({ req: request, secret: config.AUTH_SECRET, secureCookie });
  if (typeof token?.uid !== 'string') return null;
  const session = { uid: token.uid, passkey: token.amr === 'passkey' };
  if (sessionCache.size >= SESSION_CACHE_SIZE) sessionCache.delete(sessionCache.keys().next().value!);
  sessionCache.set(raw, { ...session, expiresAt: (token.exp ?? 0) * 1000, secret: config.AUTH_SECRET });
  return session;
}

/** The user id in a valid Auth.js session cookie, or null. */
export async function sessionUserId(config: EnvVars, request: Request): Promise<string | null> {
  return (await authjsSession(config, request))?.uid ?? null;
}

/**
 * The session cookie a passkey sign-in sets: the same Auth.js token (JWE, same name, secret and lifetime) a
 * provider sign-in ends with, so everything downstream treats both alike; `amr: passkey` records how it started.
 */
export async function passkeySessionCookie(
  config: Pick<EnvVars, 'AUTH_SECRET'>,
  requestUrl: string,
  userId: string,
): Promise<{ name: string; value: string; secure: boolean }> {
  const secure = new URL(requestUrl).protocol === 'https:';
  const name = secure ? AUTHJS_SESSION_COOKIE_NAMES[1] : AUTHJS_SESSION_COOKIE_NAMES[0];
  const value = await encode({
    token: { sub: userId, uid: userId, amr: 'passkey' },
    secret: config.AUTH_SECRET,
    salt: name,
    maxAge: SESSION_TTL_SECONDS,
  });
  return { name, value, secure };
}
