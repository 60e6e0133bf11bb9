import type { CryptoEventName } from '@pixelflare/config';
import { cryptoEvents, type Database } from '@pixelflare/database';
import type { SQL } from 'drizzle-orm';
import { newId } from '../../lib/ids';
import { insertWhen } from '../../lib/sql';

export interface CryptoEventInput {
  ownerId: string;
  event: CryptoEventName;
  keyVersion?: number | null;
  imageId?: string | null;
  /** Never a key, token or passphrase: ids, counts, reasons. */
  metadata?: Record<string, unknown>;
}

const cryptoEventRow = (input: CryptoEventInput) => ({
  id: newId('cev'),
  ownerId: input.ownerId,
  event: input.event,
  keyVersion: input.keyVersion == null ? null : `v${input.keyVersion}`,
  imageId: input.imageId ?? null,
  metadata: input.metadata ?? null,
});

/** The insert for one `crypto_events` row, for a D1 batch with what it records. */
export function cryptoEventInsert(db: Database, input: CryptoEventInput) {
  return db.insert(cryptoEvents).values(cryptoEventRow(input));
}

/** Like `cryptoEventInsert`, written only if `condition` holds when it runs in its batch (see `insertWhen`). */
export function cryptoEventInsertWhen(db: Database, condition: SQL, input: CryptoEventInput) {
  return insertWhen(db, cryptoEvents, { ...cryptoEventRow(input), createdAt: new Date() }, condition);
}

/** Records an event on its own; a failure to record never hides the caller's own outcome. */
export async function recordCryptoEvent(db: Database, input: CryptoEventInput): Promise<void> {
  await cryptoEventInsert(db, input)
    .run()
    .catch(() => undefined);
}
