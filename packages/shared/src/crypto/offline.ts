import { openKeyBundle, parseKeyBundle, type KeyBundle } from './bundle';
import { KeyError, unwrapCek, wrappedCekVersion } from './keys';
import { decryptStream, importContentKey, objectContext } from './stream';

/**
 * Offline decryption: what `pixelflare decrypt` does with no server and no root key, from a key bundle
 * (POST /v1/encryption/export), its passphrase, an image's key record (GET /v1/images/{id}/encryption-key) and an
 * object read straight from R2 or a backup. WebCrypto and web streams only, so it runs in Node 20+ and in workerd.
 */
export interface OfflineImageKey {
  imageId: string;
  ownerId: string;
  /** `v<tmk version>.<wrapped CEK>` */
  wrappedKey: string;
  /** From the key record: which R2 key holds which rendition, to tell the rendition from the object's key. */
  renditions?: Record<string, string>;
  storageKey?: string;
  contentType?: string;
}

/**
 * Reads `--image`: an image key record as JSON (the API's `encryption-key` answer), or a bare wrapped CEK
 * (`v1.…`), which then needs the image id (the owner comes from the bundle).
 */
export function parseImageKey(
  text: string,
  fallback: { imageId?: string; ownerId?: string } = {},
): OfflineImageKey {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(trimmed) as Record<string, unknown>;
    } catch {
      throw new KeyError('The image key record is not valid JSON');
    }
    const { image_id, owner_id, wrapped_key, renditions, storage_key, content_type } = record;
    if (typeof image_id !== 'string' || typeof owner_id !== 'string' || typeof wrapped_key !== 'string') {
      throw new KeyError('The image key record needs image_id, owner_id and wrapped_key');
    }
    return {
      imageId: image_id,
      ownerId: owner_id,
      wrappedKey: wrapped_key,
      renditions: renditions as Record<string, string> | undefined,
      storageKey: typeof storage_key === 'string' ? storage_key : undefined,
      contentType: typeof content_type === 'string' ? content_type : undefined,
    };
  }
  wrappedCekVersion(trimmed);
  if (!fallback.imageId) throw new KeyError('A bare wrapped key needs the image id (--image-id)');
  if (!fallback.ownerId) throw new KeyError('A bare wrapped key needs the owner id');
  return { imageId: fallback.imageId, ownerId: fallback.ownerId, wrappedKey: trimmed };
}

/** The rendition an object is, from its R2 key (`…/original.jpg`, `…/enc-thumb.pfse`); `original` otherwise. */
export function renditionOfObjectKey(key: string, image?: OfflineImageKey): string {
  const base = key.split(/[\\/]/).pop() ?? key;
  for (const [name, stored] of Object.entries(image?.renditions ?? {})) {
    if (stored.split('/').pop() === base) return name;
  }
  const match = /^enc-([a-z0-9]+)\.pfse$/.exec(base);
  return match ? match[1]! : 'original';
}

/** The image's CEK, from the bundle: the passphrase opens the TMK version the wrapped CEK names. */
export async function contentKeyFromBundle(
  bundleJson: unknown,
  passphrase: string,
  image: OfflineImageKey,
): Promise<CryptoKey> {
  const bundle: KeyBundle = parseKeyBundle(bundleJson);
  if (bundle.owner_id !== image.ownerId) {
    throw new KeyError(`The bundle is ${bundle.owner_id}'s; the image belongs to ${image.ownerId}`);
  }
  const version = wrappedCekVersion(image.wrappedKey);
  const tmks = await openKeyBundle(bundle, passphrase);
  const tmk = tmks.get(version);
  if (!tmk) throw new KeyError(`The bundle has no master key v${version}; export again after the rotation`);
  return importContentKey(
    await unwrapCek(tmk, image.wrappedKey, { ownerId: image.ownerId, imageId: image.imageId }),
  );
}

/** A stream decrypting one object of the image (each segment authenticated before it is released). */
export function offlineDecryptStream(
  cek: CryptoKey,
  image: OfflineImageKey,
  rendition: string,
): TransformStream<Uint8Array, Uint8Array> {
  return decryptStream(cek, { context: objectContext(image.imageId, rendition) });
}
