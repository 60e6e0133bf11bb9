import { ACCOUNT_DELETION } from '@pixelflare/config';
import { apiKeys, customDomains, images, schema, users, type Database } from '@pixelflare/database';
import { and, asc, eq, getTableColumns, is } from 'drizzle-orm';
import { SQLiteTable, getTableConfig } from 'drizzle-orm/sqlite-core';
import { badRequest, notFound } from '../../lib/errors';
import { deleteUnderPrefix, folderOf } from '../../lib/r2';
import { inList } from '../../lib/sql';
import { forgetHotlinkPolicy } from '../domains/hotlink';
import { forgetCustomHost } from '../domains/host-cache';
import { forgetPrincipalBuckets } from '../rate-limit/token-bucket';
import { purgeImageFromCdnCache } from '../variants/cdn-cache';
import { forgetSigningVersion } from '../variants/signing';
import type { VectorIndex } from '../vectors/index';

/** Where an account's things are kept, for deleting every one of them. */
export interface AccountStore {
  db: Database;
  bucket: R2Bucket;
  kv: KVNamespace;
  cache: Cache;
  /** Removes the account's custom domain at Cloudflare and here, when custom domains are on. */
  removeCustomDomain?: (ownerId: string) => Promise<void>;
  /** The vector index of the deployment's embeddings (null or absent: none configured): each page's go too. */
  vectors?: VectorIndex | null;
}

/**
 * Step one of `DELETE /v1/me`: checks the owner typed their owner name, queues the deletion (`queueDeletion`, given
 * the account's key ids), then at once disables the account (no sign-in, no public page, no uncached CDN answer)
 * and deletes its API keys, so nothing can use or change it while the rest goes in the background
 * (`deleteAccountPage`, one page of images per queue message). A queue that refuses leaves the account as it was.
 */
export async function requestAccountDeletion(
  db: Database,
  ownerId: string,
  confirm: string,
  queueDeletion: (keyIds: string[]) => Promise<void>,
  now = new Date(),
): Promise<{ slug: string }> {
  const owner = await db.select({ slug: users.slug }).from(users).where(eq(users.id, ownerId)).get();
  if (!owner) throw notFound('User');
  if (confirm !== owner.slug)
    throw badRequest(`Type your owner name, ${owner.slug}, to confirm`, [
      { path: 'confirm', message: 'does not match your owner name' },
    ]);
  const keys = await db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.ownerId, ownerId));
  await queueDeletion(keys.map((key) => key.id));
  await db.batch([
    db.update(users).set({ disabledAt: now, updatedAt: now }).where(eq(users.id, ownerId)),
    db.delete(apiKeys).where(eq(apiKeys.ownerId, ownerId)),
  ]);
  return { slug: owner.slug };
}

/**
 * Every table with an `owner_id` that does not go with the users row by itself (no cascading foreign key to it),
 * with that column: read from the Drizzle schema, so a table added later is covered without a change here.
 */
const ownedWithoutCascade = Object.values(schema as Record<string, unknown>).flatMap((table) => {
  if (!is(table, SQLiteTable) || table === users) return [];
  const ownerColumn = getTableColumns(table)['ownerId'];
  const cascades = getTableConfig(table).foreignKeys.some((key) => key.reference().foreignTable === users);
  return ownerColumn && !cascades ? [{ table, ownerColumn }] : [];
});

/**
 * One step of deleting an account: a page of its images (live and trashed) with their originals, renditions and
 * cached CDN answers; once none are left, everything else (the rest of its R2 prefix, its KV entries, every row
 * with its id, then the users row, which takes the rows with a cascading key with it). Idempotent: a retried page
 * deletes what is still there. Returns whether more remains (the caller queues the next step).
 */
export async function deleteAccountPage(
  store: AccountStore,
  ownerId: string,
  keyIds: readonly string[],
): Promise<{ more: boolean; deletedImages: number }> {
  const { db } = store;
  const owner = await db.select({ slug: users.slug }).from(users).where(eq(users.id, ownerId)).get();
  if (!owner) return { more: false, deletedImages: 0 };
  const page = await db
    .select({
      id: images.id,
      shortId: images.shortId,
      albumSlug: images.albumSlug,
      filename: images.filename,
      storageKey: images.storageKey,
    })
    .from(images)
    .where(eq(images.ownerId, ownerId))
    .orderBy(asc(images.id))
    .limit(ACCOUNT_DELETION.imagesPerStep);
  if (page.length > 0) {
    for (const image of page) {
      await deleteUnderPrefix(store.bucket, folderOf(image.storageKey));
      await purgeImageFromCdnCache(store.cache, { ownerSlug: owner.slug, ...image });
    }
    await store.vectors?.deleteByIds(page.map((image) => image.id));
    await db.delete(images).where(
      and(
        eq(images.ownerId, ownerId),
        inList(
          images.id,
          page.map((image) => image.id),
        ),
      ),
    );
    return { more: true, deletedImages: page.length };
  }
  await deleteUnderPrefix(store.bucket, `${ownerId}/`);
  await forgetKvEntries(store, ownerId, owner.slug, keyIds);
  await store.removeCustomDomain?.(ownerId);
  // One batch (one transaction): the rows without a cascading key, then the users row, which takes the rest.
  const [first, ...rest] = ownedWithoutCascade.map(({ table, ownerColumn }) =>
    db.delete(table).where(eq(ownerColumn, ownerId)),
  );
  const account = db.delete(users).where(eq(users.id, ownerId));
  await (first ? db.batch([first, ...rest, account]) : account);
  return { more: false, deletedImages: 0 };
}

/** The account's KV entries: its signing-key version, hotlink policy, custom hosts and rate-limit buckets. */
async function forgetKvEntries(
  store: AccountStore,
  ownerId: string,
  slug: string,
  keyIds: readonly string[],
) {
  const hosts = await store.db
    .select({ hostname: customDomains.hostname })
    .from(customDomains)
    .where(eq(customDomains.ownerId, ownerId));
  await Promise.all([
    forgetSigningVersion(store.kv, ownerId),
    forgetHotlinkPolicy(store.kv, slug),
    ...hosts.map((host) => forgetCustomHost(store.kv, host.hostname)),
    forgetPrincipalBuckets(store.kv, ownerId, keyIds),
  ]);
}
