import { Auth } from '@auth/core';
import {
  AUTHJS_SESSION_COOKIE_NAMES,
  SESSION_COOKIE_NAME,
  SESSION_TTL_SECONDS,
  TURNSTILE_ACTIONS,
} from '@pixelflare/config';
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Session, SignInProviders } from '@pixelflare/shared';
import { AppError } from '../lib/errors';
import type { AppEnv } from '../lib/types';
import { auditAuthEvent } from '../middleware/auth';
import { checkTurnstile } from '../middleware/turnstile';
import { configuredProviders, createAuthConfig, SIGN_IN_PAGE_PATH } from '../services/auth/authjs';
import { principalForSlug } from '../services/auth/principals';
import { sealSession } from '../services/auth/session';
import { getProfile } from '../services/users/users';

function cookieOptions(c: Context<AppEnv>) {
  return {
    path: '/',
    httpOnly: true,
    secure: new URL(c.req.url).protocol === 'https:',
    sameSite: 'Lax' as const,
  };
}

/** Only same-site paths: an open redirect after sign-in would help phishing. */
function safeRedirect(target: string | undefined): string | null {
  return target && target.startsWith('/') && !target.startsWith('//') && !target.includes('\\')
    ? target
    : null;
}

/** Auth.js's error types in words, for API clients with no dashboard to show them. */
function signInFailure(type: string): string {
  if (type === 'AccessDenied')
    return 'Sign-in was refused: this account is disabled or the provider denied access';
  if (type === 'Configuration')
    return 'Sign-in failed: the identity provider is unreachable or misconfigured';
  if (type === TURNSTILE_SIGN_IN_ERRORS.refused)
    return 'Sign-in was refused: the bot check (Turnstile) failed or expired, solve it again';
  return `Sign-in failed (${type.slice(0, 40)}): try again`;
}

/**
 * The `error` a refused Turnstile check sends the browser back to the sign-in page with (the dashboard words it):
 * the sign-in post is a plain form post, so a JSON error would be the page the person sees.
 */
export const TURNSTILE_SIGN_IN_ERRORS = {
  refused: 'TurnstileFailed',
  unavailable: 'TurnstileUnavailable',
} as const;

/** Sign-in's Turnstile check: a refusal goes back to the dashboard's sign-in page with a reason, not a JSON page. */
async function signInTurnstile(c: Context<AppEnv>, next: () => Promise<void>) {
  try {
    await checkTurnstile(c, TURNSTILE_ACTIONS.signIn);
  } catch (error) {
    const dashboard = c.get('config').PUBLIC_DASHBOARD_URL?.replace(/\/+$/, '');
    if (!(error instanceof AppError) || !dashboard) throw error;
    const reason =
      error.status === 403 ? TURNSTILE_SIGN_IN_ERRORS.refused : TURNSTILE_SIGN_IN_ERRORS.unavailable;
    c.get('logger').warn('sign-in refused by Turnstile', { code: error.code, message: error.message });
    return c.redirect(`${dashboard}/sign-in?${new URLSearchParams({ error: reason })}`, 303);
  }
  await next();
}

/** Auth.js answers its own routes (`/signin/{provider}`, `/callback/{provider}`, `/csrf`, `/signout`, ...). */
async function authjs(c: Context<AppEnv>) {
  const config = c.get('config');
  if (config.AUTH_MODE !== 'authjs') throw new AppError(404, 'NOT_FOUND', 'Not found');
  const authConfig = createAuthConfig(config, c.get('db'), {
    logger: c.get('logger'),
    onSignIn: ({ userId, provider, newUser, refused }) =>
      auditAuthEvent(c, 'auth.sign_in', userId, {
        outcome: refused ? 'failure' : 'success',
        metadata: { provider, new_user: newUser, ...(refused ? { reason: refused } : {}) },
      }),
  });
  // Auth.js builds its redirect URI from the request URL. Behind a proxy (the dashboard's dev server, a route)
  // that URL is not what the browser used, so it is pinned to the public API origin: the callback then lands on
  // the host that set the sign-in cookies (cookies ignore ports, so localhost:5173 and :8787 share them).
  const url = new URL(c.req.url);
  const publicUrl = new URL(url.pathname + url.search, config.PUBLIC_API_URL);
  return Auth(new Request(publicUrl, c.req.raw), authConfig);
}

/**
 * `/auth/*`: sign-in. Which providers are configured is public so the dashboard can draw its buttons.
 * `GET /session` tells the dashboard who is signed in; `POST /sign-out` ends the session.
 * In `AUTH_MODE=authjs` everything else under `/auth` is Auth.js (OAuth and OpenID Connect).
 * In `AUTH_MODE=none`, `GET /dev/sign-in?user=<slug>` signs in as any seeded user (local only; see middleware/auth).
 */
export const authRouter = new Hono<AppEnv>()
  .get('/providers', (c) => {
    const config = c.get('config');
    const providers =
      config.AUTH_MODE === 'none'
        ? [{ id: 'dev', name: 'Local development' }]
        : config.AUTH_MODE === 'authjs'
          ? configuredProviders(config)
          : [];
    return c.json({
      mode: config.AUTH_MODE,
      providers,
      turnstile_site_key: config.TURNSTILE_SITE_KEY ?? null,
      turnstile_script_url: config.TURNSTILE_SITE_KEY ? config.TURNSTILE_SCRIPT_URL : null,
    } satisfies SignInProviders);
  })
  .get('/session', async (c) => {
    const principal = c.get('principal');
    const mode = c.get('config').AUTH_MODE;
    if (!principal) return c.json({ authenticated: false, mode, via: null, user: null } satisfies Session);
    return c.json({
      authenticated: true,
      mode,
      via: principal.via,
      user: await getProfile(c.get('db'), principal.userId),
    } satisfies Session);
  })
  .get(SIGN_IN_PAGE_PATH.replace('/auth', ''), (c) => {
    // Auth.js sends people here to sign in, or with `?error=<type>` when a sign-in failed or was refused.
    const error = c.req.query('error');
    const dashboard = c.get('config').PUBLIC_DASHBOARD_URL?.replace(/\/+$/, '');
    if (dashboard) {
      const query = error ? `?${new URLSearchParams({ error })}` : '';
      return c.redirect(`${dashboard}/sign-in${query}`, 302);
    }
    if (error) throw new AppError(401, 'UNAUTHORIZED', signInFailure(error));
    return c.redirect('/auth/providers', 302);
  })
  .post('/sign-out', (c) => {
    const principal = c.get('principal');
    const options = cookieOptions(c);
    deleteCookie(c, SESSION_COOKIE_NAME, options);
    for (const name of AUTHJS_SESSION_COOKIE_NAMES) {
      // A `__Secure-` cookie can only be set (or cleared) over HTTPS.
      const clearable = options.secure || !name.startsWith('__Secure-');
      if (clearable && getCookie(c, name) !== undefined) deleteCookie(c, name, options);
    }
    if (principal && principal.via !== 'api_key') auditAuthEvent(c, 'auth.sign_out', principal.userId);
    return c.body(null, 204);
  })
  .get('/dev/sign-in', async (c) => {
    if (c.get('config').AUTH_MODE !== 'none') throw new AppError(404, 'NOT_FOUND', 'Not found');
    const slug = c.req.query('user') ?? '';
    const principal = await principalForSlug(c.get('db'), slug, 'dev');
    if (!principal) throw new AppError(404, 'NOT_FOUND', `No user "${slug}": npm start seeds alice and bob`);
    setCookie(
      c,
      SESSION_COOKIE_NAME,
      await sealSession(c.get('config').AUTH_SECRET, { sub: principal.userId, via: 'dev' }),
      {
        ...cookieOptions(c),
        maxAge: SESSION_TTL_SECONDS,
      },
    );
    auditAuthEvent(c, 'auth.dev_sign_in', principal.userId);
    const redirect = safeRedirect(c.req.query('redirect'));
    if (redirect) return c.redirect(redirect, 302);
    return c.json({ authenticated: true, via: 'dev', user: await getProfile(c.get('db'), principal.userId) });
  })
  // A sign-in post (the dashboard's form) is the one Auth.js request a bot could script; callbacks carry no token.
  .post('/signin/*', signInTurnstile)
  .all('/*', authjs);
