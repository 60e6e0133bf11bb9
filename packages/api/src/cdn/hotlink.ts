import type { Context } from 'hono';
import { AppError } from '../lib/errors';
import type { AppEnv } from '../lib/types';
import { ownHostsOf } from '../services/domains/deps';
import { hotlinkPolicyOf, referrerAllowed } from '../services/domains/hotlink';

/**
 * Hotlink protection for one answer of `ownerSlug`'s. Returns whether the owner has a policy (the answer then
 * carries `Vary: Referer`, see `varyOnReferer`); throws a 403 when the `Referer` is not allowed. The Cache API
 * entry is shared by every referrer because this check runs before a hit is served; the 403 itself is never
 * cached (`no-store`), so no cache can hand one referrer's answer to another.
 */
export async function enforceHotlink(c: Context<AppEnv>, ownerSlug: string): Promise<boolean> {
  const policy = await hotlinkPolicyOf(c.env.KV, c.get('db'), ownerSlug);
  if (!policy) return false;
  const config = c.get('config');
  const ownHosts = ownHostsOf(config);
  if (referrerAllowed(policy, c.req.header('Referer'), ownHosts)) return true;
  throw new AppError(403, 'FORBIDDEN', 'This image may not be embedded on this site', undefined, {
    'Cache-Control': 'no-store',
    Vary: 'Referer',
  });
}

/** Adds `Referer` to an answer's `Vary` (browsers and shared caches then keep one copy per referrer). */
export function varyOnReferer(headers: Headers): void {
  const vary = headers.get('Vary');
  if (!vary) headers.set('Vary', 'Referer');
  else if (!/\breferer\b/i.test(vary)) headers.set('Vary', `${vary}, Referer`);
}
