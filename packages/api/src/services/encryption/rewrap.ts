import { ENCRYPTION_LIMITS } from '@pixelflare/config';
import { images, tenantEncryption } from '@pixelflare/database';
import { unwrapCek, wrapCek, wrappedCekVersion } from '@pixelflare/shared';
import { and, asc, eq, gt, isNotNull } from 'drizzle-orm';
import { cryptoEventInsert } from './events';
import { tenantKey, type EncryptionDeps } from './tenant-keys';

export type RewrapStep =
  { status: 'done'; rewrapped: number } | { status: 'more'; rewrapped: number } | { status: 'idle' };

/**
 * One batch of a rotation's re-wrap: the next `batch` encrypted images (by id, after the saved cursor) get their
 * CEK unwrapped with the TMK version it names and wrapped again under `targetVersion`. Image bytes are never
 * touched. Each image is updated only if its wrapped key is still the one read (a concurrent change wins), and the
 * cursor moves in the same D1 batch, so a crash or redelivery resumes without redoing or skipping anything; a step
 * for a rotation that is no longer running does nothing.
 */
export async function rewrapStep(
  deps: EncryptionDeps,
  input: { ownerId: string; targetVersion: number; batch?: number },
): Promise<RewrapStep> {
  const { db } = deps;
  const { ownerId, targetVersion } = input;
  const batch = input.batch ?? ENCRYPTION_LIMITS.rewrapBatch;
  const [state] = await db
    .select()
    .from(tenantEncryption)
    .where(eq(tenantEncryption.ownerId, ownerId))
    .limit(1);
  if (!state || state.rewrapTarget !== targetVersion) return { status: 'idle' };
  const rows = await db
    .select({ id: images.id, wrappedKey: images.wrappedKey })
    .from(images)
    .where(
      and(
        eq(images.ownerId, ownerId),
        eq(images.isEncrypted, true),
        isNotNull(images.wrappedKey),
        state.rewrapCursor ? gt(images.id, state.rewrapCursor) : undefined,
      ),
    )
    .orderBy(asc(images.id))
    .limit(batch);
  const target = await tenantKey(deps, ownerId, targetVersion);
  const updates = [];
  for (const row of rows) {
    const stored = row.wrappedKey!;
    const version = wrappedCekVersion(stored);
    if (version === targetVersion) continue;
    const cek = await unwrapCek(await tenantKey(deps, ownerId, version), stored, {
      ownerId,
      imageId: row.id,
    });
    const rewrapped = await wrapCek(target, cek, { ownerId, imageId: row.id, version: targetVersion });
    updates.push(
      db
        .update(images)
        .set({ wrappedKey: rewrapped })
        .where(and(eq(images.id, row.id), eq(images.ownerId, ownerId), eq(images.wrappedKey, stored))),
    );
  }
  const finished = rows.length < batch;
  const done = state.rewrapDone + updates.length;
  const progress = db
    .update(tenantEncryption)
    .set(
      finished
        ? { rewrapTarget: null, rewrapCursor: null, rewrapDone: done }
        : { rewrapCursor: rows.at(-1)!.id, rewrapDone: done },
    )
    .where(and(eq(tenantEncryption.ownerId, ownerId), eq(tenantEncryption.rewrapTarget, targetVersion)));
  const event = cryptoEventInsert(db, {
    ownerId,
    event: 'key.rewrapped',
    keyVersion: targetVersion,
    metadata: { rewrapped: done },
  });
  await db.batch(finished ? [progress, ...updates, event] : [progress, ...updates]);
  return finished ? { status: 'done', rewrapped: done } : { status: 'more', rewrapped: done };
}
