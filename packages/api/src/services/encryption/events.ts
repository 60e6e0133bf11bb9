import type { CryptoEventName } from '@pixelflare/config';
import { cryptoEvents, type Database } from '@pixelflare/database';
import { newId } from '../../lib/ids';

export interface CryptoEventInput {
  ownerId: string;
  event: CryptoEventName;
  keyVersion?: number | null;
  imageId?: string | null;
  /** Never a key, token or passphrase: ids, counts, reasons. */
  metadata?: Record<string, unknown>;
}

/** The insert for one `crypto_events` row, for a D1 batch with what it records. */
export function cryptoEventInsert(db: Database, input: CryptoEventInput) {
  return db.insert(cryptoEvents).values({
    id: newId('cev'),
    ownerId: input.ownerId,
    event: input.event,
    keyVersion: input.keyVersion == null ? null : `v${input.keyVersion}`,
    imageId: input.imageId ?? null,
    metadata: input.metadata ?? null,
  });
}

/** Records an event on its own; a failure to record never hides the caller's own outcome. */
export async function recordCryptoEvent(db: Database, input: CryptoEventInput): Promise<void> {
  await cryptoEventInsert(db, input)
    .run()
    .catch(() => undefined);
}
