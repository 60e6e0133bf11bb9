import { ENCRYPTED_RENDITIONS } from '@pixelflare/config';
import { images, users, type Database } from '@pixelflare/database';
import {
  cdnShortUrl,
  createKeyBundle,
  type AccessToken,
  type CdnUrlBase,
  type EncryptedImageKey,
  type KeyBundle,
  type PreviewTokens,
} from '@pixelflare/shared';
import { and, eq, isNull } from 'drizzle-orm';
import { AppError, notFound } from '../../lib/errors';
import { inList } from '../../lib/sql';
import { encryptedRenditionKey } from './content';
import { cryptoEventInsert, recordCryptoEvent } from './events';
import { mintAccessToken, tokenLifetime } from './tokens';
import { allTenantKeys, encryptionOff, type EncryptionDeps } from './tenant-keys';

export interface AccessDeps extends EncryptionDeps {
  cdnBase: CdnUrlBase;
}

const notEncrypted = () =>
  new AppError(
    409,
    'CONFLICT',
    'This image is not encrypted: use its CDN URL, or POST /v1/images/{id}/signed-url for a private one',
  );

async function ownEncryptedImage(db: Database, ownerId: string, imageId: string) {
  const [row] = await db
    .select({
      id: images.id,
      ownerId: images.ownerId,
      shortId: images.shortId,
      isEncrypted: images.isEncrypted,
      status: images.status,
      storageKey: images.storageKey,
      contentType: images.contentType,
      wrappedKey: images.wrappedKey,
      keyVersion: users.encryptionKeyVersion,
    })
    .from(images)
    .innerJoin(users, eq(users.id, images.ownerId))
    .where(and(eq(images.id, imageId), eq(images.ownerId, ownerId), isNull(images.deletedAt)))
    .limit(1);
  // Another account's image is a 404, exactly like a missing one.
  if (!row || row.status !== 'ready') throw notFound('Image');
  if (!row.isEncrypted) throw notEncrypted();
  return row;
}

const tokenUrl = (base: CdnUrlBase, shortId: string, rendition: string, token: string) => {
  const url = cdnShortUrl(base, shortId, rendition === 'original' ? undefined : rendition);
  return `${url}?token=${encodeURIComponent(token)}`;
};

/** `POST /v1/images/{id}/access-token`: the owner only; a crypto event records each token (never the token). */
export async function createAccessToken(
  deps: AccessDeps,
  input: { ownerId: string; imageId: string; ttl?: number; rendition?: string; now: number },
): Promise<AccessToken> {
  const image = await ownEncryptedImage(deps.db, input.ownerId, input.imageId);
  const lifetime = tokenLifetime(input.ttl);
  const expiresAt = Math.floor(input.now / 1000) + lifetime;
  const token = await mintAccessToken(deps.config, {
    ownerId: image.ownerId,
    imageId: image.id,
    rendition: input.rendition ?? null,
    keyVersion: image.keyVersion,
    expiresAt,
  });
  await recordCryptoEvent(deps.db, {
    ownerId: image.ownerId,
    event: 'token.minted',
    imageId: image.id,
    keyVersion: image.keyVersion,
    metadata: { rendition: input.rendition ?? null, ttl: lifetime },
  });
  return {
    url: tokenUrl(deps.cdnBase, image.shortId, input.rendition ?? 'original', token),
    token,
    rendition: input.rendition ?? null,
    expires_at: new Date(expiresAt * 1000).toISOString(),
  };
}

/**
 * Token URLs for the dashboard's thumbnails of many images at once. Expiry is rounded up to the hour, so a
 * page shows the same URLs for a while and the browser's cache keeps working. Not recorded per image (the
 * dashboard asks on every page); one event records the batch.
 */
export async function previewTokens(
  deps: AccessDeps,
  input: { ownerId: string; imageIds: string[]; now: number },
): Promise<PreviewTokens> {
  const rows = await deps.db
    .select({ id: images.id, shortId: images.shortId, keyVersion: users.encryptionKeyVersion })
    .from(images)
    .innerJoin(users, eq(users.id, images.ownerId))
    .where(
      and(
        eq(images.ownerId, input.ownerId),
        eq(images.isEncrypted, true),
        eq(images.status, 'ready'),
        isNull(images.deletedAt),
        inList(images.id, input.imageIds),
      ),
    );
  const hour = 3600;
  const expiresAt = (Math.floor(input.now / 1000 / hour) + 2) * hour;
  const previews: PreviewTokens['previews'] = {};
  for (const row of rows) {
    const token = await mintAccessToken(deps.config, {
      ownerId: input.ownerId,
      imageId: row.id,
      rendition: null,
      keyVersion: row.keyVersion,
      expiresAt,
    });
    const url = (rendition: string) => tokenUrl(deps.cdnBase, row.shortId, rendition, token);
    previews[row.id] = {
      thumb: url('thumb'),
      w256: url('w256'),
      w1024: url('w1024'),
      original: url('original'),
    };
  }
  if (rows.length > 0) {
    await recordCryptoEvent(deps.db, {
      ownerId: input.ownerId,
      event: 'token.minted',
      metadata: { previews: rows.length, ttl: expiresAt - Math.floor(input.now / 1000) },
    });
  }
  return { previews, expires_at: new Date(expiresAt * 1000).toISOString() };
}

/** What the offline decrypt needs for one image: its wrapped CEK and where its objects are in R2. */
export async function encryptedImageKey(
  deps: EncryptionDeps,
  ownerId: string,
  imageId: string,
): Promise<EncryptedImageKey> {
  const image = await ownEncryptedImage(deps.db, ownerId, imageId);
  return {
    image_id: image.id,
    owner_id: image.ownerId,
    wrapped_key: image.wrappedKey!,
    content_type: image.contentType,
    storage_key: image.storageKey,
    renditions: Object.fromEntries(
      ENCRYPTED_RENDITIONS.map((name) => [name, encryptedRenditionKey(image.storageKey, name)]),
    ),
  };
}

/** `POST /v1/encryption/export`: every TMK version sealed under the passphrase; recorded as a crypto event. */
export async function exportKeyBundle(
  deps: EncryptionDeps,
  input: { ownerId: string; passphrase: string; iterations?: number },
): Promise<KeyBundle> {
  const keys = await allTenantKeys(deps, input.ownerId);
  if (keys.length === 0) throw encryptionOff();
  const bundle = await createKeyBundle({
    ownerId: input.ownerId,
    passphrase: input.passphrase,
    keys,
    iterations: input.iterations,
  });
  await cryptoEventInsert(deps.db, {
    ownerId: input.ownerId,
    event: 'key.exported',
    keyVersion: keys.at(-1)!.version,
    metadata: {
      versions: keys.map((key) => key.version),
      kdf: 'PBKDF2-SHA256',
      iterations: bundle.kdf.iterations,
    },
  }).run();
  return bundle;
}
