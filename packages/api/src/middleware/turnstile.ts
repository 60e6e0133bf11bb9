import {
  TURNSTILE_FORM_FIELD,
  TURNSTILE_TOKEN_FIELD,
  TURNSTILE_TOKEN_HEADER,
  type TurnstileAction,
} from '@pixelflare/config';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../lib/types';
import { verifyTurnstile } from '../services/turnstile/turnstile';

/**
 * The token from the `CF-Turnstile-Response` header, else the JSON body's `turnstile_token`, else the form field
 * the widget adds to a form (`cf-turnstile-response`). Bodies are read from a copy, so the route still reads its own.
 */
async function presentedToken(c: Context<AppEnv>): Promise<string | undefined> {
  const header = c.req.header(TURNSTILE_TOKEN_HEADER);
  if (header) return header;
  const type = c.req.header('Content-Type') ?? '';
  try {
    if (type.startsWith('application/json')) {
      const body: unknown = await c.req.raw.clone().json();
      const token =
        body && typeof body === 'object'
          ? (body as Record<string, unknown>)[TURNSTILE_TOKEN_FIELD]
          : undefined;
      return typeof token === 'string' ? token : undefined;
    }
    if (type.startsWith('application/x-www-form-urlencoded')) {
      const token = (await c.req.raw.clone().formData()).get(TURNSTILE_FORM_FIELD);
      return typeof token === 'string' ? token : undefined;
    }
  } catch {
    // A body that does not parse has no token; the route's own validation names what is wrong with it.
  }
  return undefined;
}

/** The hostnames a token may have been solved on: this request's, and the dashboard's (PUBLIC_DASHBOARD_URL). */
function expectedHostnames(c: Context<AppEnv>): string[] {
  const hostnames = [new URL(c.req.url).hostname];
  const dashboard = c.get('config').PUBLIC_DASHBOARD_URL;
  if (dashboard) hostnames.push(new URL(dashboard).hostname);
  return hostnames;
}

/**
 * Bot protection for one step, when TURNSTILE_SECRET_KEY is set: throws 403 TURNSTILE_FAILED (or 503) when the
 * request's token does not verify. Only requests the browser authenticates on its own (a session, Access, the local
 * dev user) or anonymous ones (sign-in) are asked for a token: an API key is never.
 */
export async function checkTurnstile(c: Context<AppEnv>, action: TurnstileAction): Promise<void> {
  const { TURNSTILE_SECRET_KEY, TURNSTILE_VERIFY_URL } = c.get('config');
  if (!TURNSTILE_SECRET_KEY || c.get('principal')?.via === 'api_key') return;
  await verifyTurnstile(
    { secretKey: TURNSTILE_SECRET_KEY, verifyUrl: TURNSTILE_VERIFY_URL },
    {
      token: await presentedToken(c),
      remoteIp: c.req.header('CF-Connecting-IP'),
      action,
      hostnames: expectedHostnames(c),
    },
  );
}

/** {@link checkTurnstile} as a route's middleware (a refusal is the JSON error). */
export function requireTurnstile(action: TurnstileAction) {
  return createMiddleware<AppEnv>(async (c, next) => {
    await checkTurnstile(c, action);
    await next();
  });
}
