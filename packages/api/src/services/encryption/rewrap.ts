import { ENCRYPTION_LIMITS } from '@pixelflare/config';
import { images, tenantEncryption, tenantKeys } from '@pixelflare/database';
import { KeyError, unwrapCek, wrapCek, wrappedCekVersion } from '@pixelflare/shared';
import { and, asc, eq, gt, isNotNull, isNull, sql } from 'drizzle-orm';
import { cryptoEventInsertWhen, type CryptoEventInput } from './events';
import { tenantKey, type EncryptionDeps } from './tenant-keys';

export type RewrapStep =
  | { status: 'done' | 'more'; rewrapped: number; failed: number }
  | { status: 'idle' }
  | { status: 'superseded' };

/**
 * One batch of a rotation's re-wrap: the next `batch` encrypted images (by id, after the saved cursor) get their
 * CEK unwrapped with the TMK version it names and wrapped again under `targetVersion`. Image bytes are never
 * touched. Resumable and idempotent:
 * - everything a step writes (the re-wrapped keys, the cursor, the count) is one D1 batch, so a step that fails
 *   (the queue retries it) leaves nothing half-done, and its retry starts from the same cursor;
 * - the cursor moves only from the value the step read (compare-and-swap): of two deliveries of one message run
 *   at once, one wins and the other changes no key and no progress (`superseded`, and queues no next step);
 * - each image is updated only if its wrapped key is still the one read, images already at the target version
 *   are skipped, and a step for a rotation that is no longer running does nothing (`idle`).
 * An image whose stored key cannot be opened (tampered, or naming a version that does not exist) cannot block
 * the rotation: it is left as it is, counted in `failed` and recorded as a `decrypt.failed` event. A master key
 * that does not unwrap (a root key problem) fails the step, to be retried once the deployment is fixed.
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
  const [rows, versionRows] = await Promise.all([
    db
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
      .limit(batch),
    db.select({ version: tenantKeys.version }).from(tenantKeys).where(eq(tenantKeys.ownerId, ownerId)),
  ]);
  const versions = new Set(versionRows.map((row) => row.version));
  const target = await tenantKey(deps, ownerId, targetVersion);
  const updates = [];
  const failures: CryptoEventInput[] = [];
  for (const row of rows) {
    const stored = row.wrappedKey!;
    let cek: Uint8Array;
    try {
      const version = wrappedCekVersion(stored);
      if (version === targetVersion) continue;
      if (!versions.has(version))
        throw new KeyError(`No master key version ${version} exists for this account`);
      cek = await unwrapCek(await tenantKey(deps, ownerId, version), stored, { ownerId, imageId: row.id });
    } catch (error) {
      // This image's key only (tenantKey's own failures, of a master key, are the deployment's: they throw on).
      if (!(error instanceof KeyError)) throw error;
      failures.push({
        ownerId,
        event: 'decrypt.failed',
        keyVersion: targetVersion,
        imageId: row.id,
        metadata: { stage: 'rewrap', reason: error.message },
      });
      continue;
    }
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
    .where(
      and(
        eq(tenantEncryption.ownerId, ownerId),
        eq(tenantEncryption.rewrapTarget, targetVersion),
        state.rewrapCursor
          ? eq(tenantEncryption.rewrapCursor, state.rewrapCursor)
          : isNull(tenantEncryption.rewrapCursor),
      ),
    );
  const events = [
    ...failures,
    ...(finished
      ? [
          {
            ownerId,
            event: 'key.rewrapped' as const,
            keyVersion: targetVersion,
            metadata: { rewrapped: done },
          },
        ]
      : []),
  ];
  // When the compare-and-swap matches nothing, another delivery of this step committed first: this batch's key
  // updates then match nothing either (the keys they expect were replaced), and its events are not written. They
  // follow the swap as a chain: each is written only if the statement before it changed a row (the swap, then
  // the event before it), so all are written or none.
  const results = await db.batch([
    progress,
    ...events.map((event) => cryptoEventInsertWhen(db, sql`changes() = 1`, event)),
    ...updates,
  ]);
  if (!progressWritten(results[0])) return { status: 'superseded' };
  return { status: finished ? 'done' : 'more', rewrapped: done, failed: failures.length };
}

/** Whether the progress update (a D1 `run` result) changed the settings row. */
function progressWritten(result: unknown): boolean {
  return ((result as D1Result | undefined)?.meta.changes ?? 0) > 0;
}
