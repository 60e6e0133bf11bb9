import { HOTLINK_LIMITS } from '@pixelflare/config';
import { customDomains, hotlinkPolicies, users, type Database } from '@pixelflare/database';
import type { HotlinkSettings } from '@pixelflare/shared';
import { and, eq } from 'drizzle-orm';
import { IsolateCache } from '../../lib/isolate-cache';

/** An owner's hotlink protection as the CDN applies it; `null` (no row, or disabled) means no protection. */
export interface HotlinkPolicy {
  allowedReferrers: string[];
  allowEmptyReferrer: boolean;
  /** The owner's active custom domain, always allowed. */
  customHost: string | null;
}

const kvKey = (ownerSlug: string) => `hotlink:${ownerSlug}`;
const isolate = new IsolateCache<HotlinkPolicy | null>(
  HOTLINK_LIMITS.isolateTtlMs,
  HOTLINK_LIMITS.isolateMaxEntries,
);

/**
 * The policy for an owner (by slug, as CDN paths and cached answers name owners): the isolate's memory, then KV,
 * then D1. Called only for owners that exist (after the image lookup, or for a cached answer), so the negative
 * answers KV keeps are bounded by the number of accounts.
 */
export async function hotlinkPolicyOf(
  kv: KVNamespace,
  db: Database,
  ownerSlug: string,
  now = Date.now(),
): Promise<HotlinkPolicy | null> {
  const remembered = isolate.get(ownerSlug, now);
  if (remembered) return remembered.value;
  let stored: { policy: HotlinkPolicy | null } | null;
  try {
    stored = await kv.get<{ policy: HotlinkPolicy | null }>(kvKey(ownerSlug), 'json');
  } catch {
    stored = null;
  }
  let policy: HotlinkPolicy | null;
  if (stored) policy = stored.policy;
  else {
    policy = await readPolicy(db, ownerSlug);
    await kv
      .put(kvKey(ownerSlug), JSON.stringify({ policy }), { expirationTtl: HOTLINK_LIMITS.kvTtlSeconds })
      .catch(() => undefined);
  }
  isolate.set(ownerSlug, policy, now);
  return policy;
}

async function readPolicy(db: Database, ownerSlug: string): Promise<HotlinkPolicy | null> {
  const [row] = await db
    .select({
      enabled: hotlinkPolicies.enabled,
      allowedReferrers: hotlinkPolicies.allowedReferrers,
      allowEmptyReferrer: hotlinkPolicies.allowEmptyReferrer,
      customHost: customDomains.hostname,
    })
    .from(users)
    .innerJoin(hotlinkPolicies, eq(hotlinkPolicies.ownerId, users.id))
    .leftJoin(customDomains, and(eq(customDomains.ownerId, users.id), eq(customDomains.status, 'active')))
    .where(eq(users.slug, ownerSlug))
    .limit(1);
  if (!row || !row.enabled) return null;
  return {
    allowedReferrers: row.allowedReferrers,
    allowEmptyReferrer: row.allowEmptyReferrer,
    customHost: row.customHost,
  };
}

/** After the policy or the owner's custom domain changes; other isolates notice within their short TTL. */
export async function forgetHotlinkPolicy(kv: KVNamespace, ownerSlug: string): Promise<void> {
  isolate.delete(ownerSlug);
  await kv.delete(kvKey(ownerSlug));
}

/**
 * Whether a `Referer` may embed the owner's images. The product's own hosts and the owner's custom domain always
 * may; `*.host` allows a host and its subdomains; an unparsable Referer is refused like a foreign one.
 */
export function referrerAllowed(
  policy: HotlinkPolicy,
  referer: string | undefined,
  ownHosts: string[],
): boolean {
  if (referer === undefined || referer.trim() === '') return policy.allowEmptyReferrer;
  let host: string;
  try {
    host = new URL(referer).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (ownHosts.includes(host) || host === policy.customHost) return true;
  return policy.allowedReferrers.some((allowed) =>
    allowed.startsWith('*.')
      ? host === allowed.slice(2) || host.endsWith(allowed.slice(1))
      : host === allowed,
  );
}

export async function getHotlinkSettings(db: Database, ownerId: string): Promise<HotlinkSettings> {
  const [row] = await db.select().from(hotlinkPolicies).where(eq(hotlinkPolicies.ownerId, ownerId)).limit(1);
  if (!row) return { enabled: false, allowed_referrers: [], allow_empty_referrer: true, updated_at: null };
  return {
    enabled: row.enabled,
    allowed_referrers: row.allowedReferrers,
    allow_empty_referrer: row.allowEmptyReferrer,
    updated_at: row.updatedAt.toISOString(),
  };
}

export async function updateHotlinkSettings(
  db: Database,
  kv: KVNamespace,
  owner: { id: string; slug: string },
  update: { enabled: boolean; allowed_referrers: string[]; allow_empty_referrer: boolean },
): Promise<HotlinkSettings> {
  const values = {
    enabled: update.enabled,
    allowedReferrers: [...new Set(update.allowed_referrers)],
    allowEmptyReferrer: update.allow_empty_referrer,
    updatedAt: new Date(),
  };
  await db
    .insert(hotlinkPolicies)
    .values({ ownerId: owner.id, ...values })
    .onConflictDoUpdate({ target: hotlinkPolicies.ownerId, set: values });
  await forgetHotlinkPolicy(kv, owner.slug);
  return getHotlinkSettings(db, owner.id);
}
