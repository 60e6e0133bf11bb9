import { SESSION_COOKIE_NAME, SESSION_TTL_SECONDS } from '@pixelflare/config';
import { Hono, type Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { AppError } from '../lib/errors';
import type { AppEnv } from '../lib/types';
import { clientIp } from '../middleware/client-ip';
import { principalForSlug } from '../services/auth/principals';
import { sealSession } from '../services/auth/session';
import { recordAudit } from '../services/audit/audit-log';
import { getProfile } from '../services/users/users';

function cookieOptions(c: Context<AppEnv>) {
  return {
    path: '/',
    httpOnly: true,
    secure: new URL(c.req.url).protocol === 'https:',
    sameSite: 'Lax' as const,
  };
}

function auditAuth(c: Context<AppEnv>, action: string, ownerId: string | null) {
  c.executionCtx.waitUntil(
    recordAudit(c.get('db'), {
      ownerId,
      actor: ownerId ? `user:${ownerId}` : 'anonymous',
      action,
      outcome: 'success',
      ip: clientIp(c),
      userAgent: c.req.header('User-Agent') ?? null,
      requestId: c.get('requestId'),
    }).catch((error: unknown) => c.get('logger').error('audit write failed', { error: String(error) })),
  );
}

/** Only same-site paths: an open redirect after sign-in would help phishing. */
function safeRedirect(target: string | undefined): string | null {
  return target && target.startsWith('/') && !target.startsWith('//') && !target.includes('\\')
    ? target
    : null;
}

/**
 * `/auth/*`: sign-in. Which providers are configured is public so the dashboard can draw its buttons.
 * `GET /session` tells the dashboard who is signed in; `POST /sign-out` ends the session.
 * In `AUTH_MODE=none`, `GET /dev/sign-in?user=<slug>` signs in as any seeded user (local only; see middleware/auth).
 */
export const authRouter = new Hono<AppEnv>()
  .get('/providers', (c) => {
    const mode = c.get('config').AUTH_MODE;
    return c.json({ mode, providers: mode === 'none' ? [{ id: 'dev', name: 'Local development' }] : [] });
  })
  .get('/session', async (c) => {
    const principal = c.get('principal');
    const mode = c.get('config').AUTH_MODE;
    if (!principal) return c.json({ authenticated: false, mode, via: null, user: null });
    return c.json({
      authenticated: true,
      mode,
      via: principal.via,
      user: await getProfile(c.get('db'), principal.userId),
    });
  })
  .post('/sign-out', (c) => {
    const principal = c.get('principal');
    deleteCookie(c, SESSION_COOKIE_NAME, cookieOptions(c));
    if (principal && principal.via !== 'api_key') auditAuth(c, 'auth.sign_out', principal.userId);
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
    auditAuth(c, 'auth.dev_sign_in', principal.userId);
    const redirect = safeRedirect(c.req.query('redirect'));
    if (redirect) return c.redirect(redirect, 302);
    return c.json({ authenticated: true, via: 'dev', user: await getProfile(c.get('db'), principal.userId) });
  });
