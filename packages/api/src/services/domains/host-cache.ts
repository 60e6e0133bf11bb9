import { CUSTOM_DOMAIN_HOST_CACHE } from '@pixelflare/config';
import { customDomains, users, type Database } from '@pixelflare/database';
import { and, eq } from 'drizzle-orm';
import { IsolateCache } from '../../lib/isolate-cache';

/** Whose images a custom host serves. */
export interface CustomHostOwner {
  hostname: string;
  ownerId: string;
  ownerSlug: string;
}

const kvKey = (hostname: string) => `custom-host:${hostname}`;

/**
 * Per isolate, for `CUSTOM_DOMAIN_HOST_CACHE.isolateTtlMs`: negative answers too, so a stray host costs one read;
 * bounded, since the Host header is the client's to choose (it grew with every new one before).
 */
const isolate = new IsolateCache<CustomHostOwner | null>(
  CUSTOM_DOMAIN_HOST_CACHE.isolateTtlMs,
  CUSTOM_DOMAIN_HOST_CACHE.isolateMaxEntries,
);

/**
 * The owner an *active* custom host serves, or `null`: the isolate's memory, then KV, then D1 (and KV is filled).
 * KV is written only for active domains (a flood of unknown Host headers writes nothing); a change rewrites or
 * deletes the entry (`rememberCustomHost`, `forgetCustomHost`). A KV failure falls through to D1.
 */
export async function ownerOfCustomHost(
  kv: KVNamespace,
  db: Database,
  hostname: string,
  now = Date.now(),
): Promise<CustomHostOwner | null> {
  const remembered = isolate.get(hostname, now);
  if (remembered) return remembered.value;
  let owner: CustomHostOwner | null | undefined;
  try {
    owner = (await kv.get<CustomHostOwner>(kvKey(hostname), 'json')) ?? undefined;
  } catch {
    owner = undefined;
  }
  if (owner === undefined) {
    const [row] = await db
      .select({ hostname: customDomains.hostname, ownerId: customDomains.ownerId, ownerSlug: users.slug })
      .from(customDomains)
      .innerJoin(users, eq(users.id, customDomains.ownerId))
      .where(and(eq(customDomains.hostname, hostname), eq(customDomains.status, 'active')))
      .limit(1);
    owner = row ?? null;
    if (owner) await rememberCustomHost(kv, owner).catch(() => undefined);
  }
  isolate.set(hostname, owner, now);
  return owner;
}

/** After a domain becomes active. */
export async function rememberCustomHost(kv: KVNamespace, owner: CustomHostOwner): Promise<void> {
  isolate.delete(owner.hostname);
  await kv.put(kvKey(owner.hostname), JSON.stringify(owner), {
    expirationTtl: CUSTOM_DOMAIN_HOST_CACHE.kvTtlSeconds,
  });
}

/** After a domain is removed or stops being active; other isolates notice within their short TTL. */
export async function forgetCustomHost(kv: KVNamespace, hostname: string): Promise<void> {
  isolate.delete(hostname);
  await kv.delete(kvKey(hostname));
}

/** The active custom host of an owner, for the URLs of its resources; `null` without one. */
export async function activeHostOf(db: Database, ownerId: string): Promise<string | null> {
  const [row] = await db
    .select({ hostname: customDomains.hostname })
    .from(customDomains)
    .where(and(eq(customDomains.ownerId, ownerId), eq(customDomains.status, 'active')))
    .limit(1);
  return row?.hostname ?? null;
}
