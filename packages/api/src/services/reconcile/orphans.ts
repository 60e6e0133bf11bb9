import { describeError, type Logger } from '../../lib/logger';

/**
 * KV keys recording an R2 object an upload could not remove after its D1 batch failed (D1 had just failed,
 * so the record is kept outside it). The 01:00 reconciliation deletes each object unless a row now holds it.
 */
export const ORPHAN_RECORD_PREFIX = 'reconcile:orphan:';

export interface OrphanRecord {
  key: string;
  ownerId: string;
  recordedAt: string;
}

/**
 * Removes an object whose row was never written; if that fails too, records it for the reconciliation
 * (and if even that fails, the reconciliation's listing still finds it once its grace period is over).
 */
export async function removeUnreferencedObject(
  deps: { bucket: R2Bucket; kv: KVNamespace; logger?: Logger },
  object: { key: string; ownerId: string },
  now = new Date(),
): Promise<void> {
  try {
    await deps.bucket.delete(object.key);
    return;
  } catch (error) {
    deps.logger?.warn('could not remove an object whose row was not written', {
      key: object.key,
      ...describeError(error),
    });
  }
  const record: OrphanRecord = { ...object, recordedAt: now.toISOString() };
  try {
    await deps.kv.put(ORPHAN_RECORD_PREFIX + object.key, JSON.stringify(record));
  } catch (error) {
    deps.logger?.error('could not record an orphan object; the reconciliation listing will find it', {
      key: object.key,
      ...describeError(error),
    });
  }
}
