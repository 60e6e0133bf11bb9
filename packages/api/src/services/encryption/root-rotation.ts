import { tenantKeys, type Database } from '@pixelflare/database';
import { KeyError, keyFingerprint, parseRootKey, unwrapTmk, wrapTmk } from '@pixelflare/shared';
import { and, eq, ne } from 'drizzle-orm';
import { EnvError, type EnvVars } from '../../lib/env';
import { cryptoEventInsert } from './events';
import { rootKeyOf } from './root-key';

export interface RootRewrapReport {
  dryRun: boolean;
  /** Fingerprint of the root key now configured (what every TMK is wrapped by afterwards). */
  rootKeyId: string;
  /** TMKs wrapped by the previous root key: re-wrapped (or, in a dry run, that would be). */
  rewrapped: number;
  /** TMKs already under the current root key. */
  current: number;
  /** TMKs under neither key: their accounts cannot be read until the right key is configured. */
  unreadable: { ownerId: string; version: number }[];
}

/**
 * Rotating the root key (an admin operation): deploy the new key as ENCRYPTION_ROOT_KEY and the old one as
 * ENCRYPTION_ROOT_KEY_PREVIOUS, then run this. Every TMK still wrapped by the previous key is unwrapped with it and
 * wrapped again by the current one (the TMK itself, every CEK and every image byte stay as they are). A dry run
 * checks every TMK opens and writes nothing. Idempotent: a second run finds nothing to do. Reads every TMK row, so
 * it suits deployments of up to some ten thousand accounts per call.
 */
export async function rewrapTenantKeysUnderRoot(
  deps: { db: Database; config: Pick<EnvVars, 'ENCRYPTION_ROOT_KEY' | 'ENCRYPTION_ROOT_KEY_PREVIOUS'> },
  options: { dryRun: boolean },
): Promise<RootRewrapReport> {
  const root = await rootKeyOf(deps.config);
  const previousBytes = parseRootKey(deps.config.ENCRYPTION_ROOT_KEY_PREVIOUS);
  if (deps.config.ENCRYPTION_ROOT_KEY_PREVIOUS && !previousBytes) {
    throw new EnvError(['ENCRYPTION_ROOT_KEY_PREVIOUS must be 32 bytes, base64']);
  }
  const previousId = previousBytes ? await keyFingerprint(previousBytes) : null;
  const rows = await deps.db.select().from(tenantKeys).where(ne(tenantKeys.rootKeyId, root.id));
  const report: RootRewrapReport = {
    dryRun: options.dryRun,
    rootKeyId: root.id,
    rewrapped: 0,
    current: (
      await deps.db
        .select({ v: tenantKeys.version })
        .from(tenantKeys)
        .where(eq(tenantKeys.rootKeyId, root.id))
    ).length,
    unreadable: [],
  };
  for (const row of rows) {
    if (!previousBytes || row.rootKeyId !== previousId) {
      report.unreadable.push({ ownerId: row.ownerId, version: row.version });
      continue;
    }
    let tmk: Uint8Array;
    try {
      tmk = await unwrapTmk(previousBytes, row.wrappedKey, row.ownerId, row.version);
    } catch (error) {
      if (!(error instanceof KeyError)) throw error;
      report.unreadable.push({ ownerId: row.ownerId, version: row.version });
      continue;
    }
    report.rewrapped++;
    if (options.dryRun) continue;
    const wrappedKey = await wrapTmk(root.bytes, tmk, row.ownerId, row.version);
    await deps.db.batch([
      deps.db
        .update(tenantKeys)
        .set({ wrappedKey, rootKeyId: root.id })
        .where(
          and(
            eq(tenantKeys.ownerId, row.ownerId),
            eq(tenantKeys.version, row.version),
            eq(tenantKeys.wrappedKey, row.wrappedKey),
          ),
        ),
      cryptoEventInsert(deps.db, {
        ownerId: row.ownerId,
        event: 'root_key.rewrapped',
        keyVersion: row.version,
        metadata: { from: previousId, to: root.id },
      }),
    ]);
  }
  return report;
}
