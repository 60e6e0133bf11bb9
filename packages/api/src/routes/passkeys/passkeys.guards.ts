import { createMiddleware } from 'hono/factory';
import { AppError } from '../../lib/errors';
import type { AppEnv } from '../../lib/types';
import { principalOf } from '../../middleware/auth';
import { requirePasskeysEnabled } from '../../services/passkeys/passkeys';

/**
 * Adding a passkey creates a way to sign in, so it takes a signed-in browser session: an API key (even with
 * keys:manage) cannot, or a leaked key would become a permanent sign-in.
 */
export const requireBrowserSession = createMiddleware<AppEnv>(async (c, next) => {
  requirePasskeysEnabled(c.get('config'));
  const principal = principalOf(c);
  if (principal.via !== 'session') {
    throw new AppError(
      403,
      'FORBIDDEN',
      'Passkeys are added from a signed-in dashboard session, not with an API key',
    );
  }
  await next();
});
