import { tenantEncryption, users } from '@pixelflare/database';
import { eq } from 'drizzle-orm';
import { keyedContentHash, newContentKey, putEncrypted, type ContentKey } from './content';
import { encryptionOff, tenantKey, type EncryptionDeps } from './tenant-keys';

/** How one upload is sealed: the TMK version its CEK is wrapped under, its dedup hash and its fresh CEK. */
export interface Sealing {
  version: number;
  /** The keyed hash stored (and deduplicated on) instead of the plaintext's SHA-256. */
  contentHash(plainSha256Hex: string): Promise<string>;
  contentKey(imageId: string): Promise<ContentKey>;
}

/**
 * Whether an upload is encrypted: as it asks (`encrypt`), else the account's default. Asking for encryption with
 * it off is a 409 naming the way to turn it on.
 */
export async function wantsEncryption(
  deps: Pick<EncryptionDeps, 'db'>,
  ownerId: string,
  requested: boolean | undefined,
): Promise<boolean> {
  if (requested === false) return false;
  const [row] = await deps.db
    .select({ version: users.encryptionKeyVersion, byDefault: tenantEncryption.encryptByDefault })
    .from(users)
    .leftJoin(tenantEncryption, eq(tenantEncryption.ownerId, users.id))
    .where(eq(users.id, ownerId))
    .limit(1);
  const enabled = (row?.version ?? 0) > 0;
  if (requested === true && !enabled) throw encryptionOff();
  return enabled && (requested ?? row?.byDefault ?? false);
}

/** The sealing for an upload, or null when it is stored in clear. */
export async function sealingFor(
  deps: EncryptionDeps | undefined,
  ownerId: string,
  requested: boolean | undefined,
): Promise<Sealing | null> {
  if (!deps) {
    if (requested) throw encryptionOff();
    return null;
  }
  if (!(await wantsEncryption(deps, ownerId, requested))) return null;
  const [owner] = await deps.db
    .select({ version: users.encryptionKeyVersion })
    .from(users)
    .where(eq(users.id, ownerId))
    .limit(1);
  const version = owner!.version;
  const tmk = await tenantKey(deps, ownerId, version);
  return {
    version,
    contentHash: (plain) => keyedContentHash(tmk, plain),
    contentKey: (imageId) => newContentKey(deps, { ownerId, imageId, version }),
  };
}

/** Writes an upload's original encrypted, streamed from its plaintext source. */
export function writeSealedOriginal(
  bucket: R2Bucket,
  key: string,
  source: () => Promise<ReadableStream<Uint8Array>>,
  plainBytes: number,
  cek: ContentKey,
  imageId: string,
  contentType: string,
): Promise<void> {
  return source().then((plain) =>
    putEncrypted(bucket, key, plain, plainBytes, cek, imageId, 'original', contentType),
  );
}
