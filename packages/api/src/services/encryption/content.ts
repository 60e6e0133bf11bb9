import { ENCRYPTION_LIMITS } from '@pixelflare/config';
import type { Database } from '@pixelflare/database';
import {
  DecryptError,
  KeyError,
  PFSE_HEADER_BYTES,
  cipherRangeFor,
  decryptBytes,
  decryptRangeStream,
  decryptStream,
  deriveKey,
  encryptedSize,
  encryptStream,
  importContentKey,
  newKeyBytes,
  objectContext,
  plaintextSize,
  unwrapCek,
  wrapCek,
  wrappedCekVersion,
} from '@pixelflare/shared';
import { toHex } from '../../lib/crypto';
import { recordCryptoEvent } from './events';
import { decryptionFailed, tenantKey, type EncryptionDeps } from './tenant-keys';
import type { ReadBucket } from '../backups/originals';

/** An image's content key, fresh or unwrapped: the key for its segments and its stored (wrapped) form. */
export interface ContentKey {
  key: CryptoKey;
  wrapped: string;
  version: number;
}

/** A fresh CEK for a new image, wrapped by the owner's current TMK (`version`). */
export async function newContentKey(
  deps: EncryptionDeps,
  ids: { ownerId: string; imageId: string; version: number },
): Promise<ContentKey> {
  const tmk = await tenantKey(deps, ids.ownerId, ids.version);
  const raw = newKeyBytes();
  return {
    key: await importContentKey(raw),
    wrapped: await wrapCek(tmk, raw, ids),
    version: ids.version,
  };
}

export interface EncryptedImageRef {
  id: string;
  ownerId: string;
  wrappedKey: string | null;
}

/** Unwraps an image's CEK with the TMK version it names; a failure is a crypto event and a DECRYPTION_FAILED. */
export async function openContentKey(deps: EncryptionDeps, image: EncryptedImageRef): Promise<ContentKey> {
  const fail = async (reason: string, version?: number) => {
    await recordCryptoEvent(deps.db, {
      ownerId: image.ownerId,
      event: 'decrypt.failed',
      imageId: image.id,
      keyVersion: version,
      metadata: { reason },
    });
    return decryptionFailed(`The image's content key could not be opened: ${reason}`);
  };
  if (!image.wrappedKey) throw await fail('no content key is stored');
  let version: number;
  try {
    version = wrappedCekVersion(image.wrappedKey);
  } catch {
    throw await fail('the stored content key is malformed');
  }
  const tmk = await tenantKey(deps, image.ownerId, version);
  try {
    const raw = await unwrapCek(tmk, image.wrappedKey, { ownerId: image.ownerId, imageId: image.id });
    return { key: await importContentKey(raw), wrapped: image.wrappedKey, version };
  } catch (error) {
    if (error instanceof KeyError)
      throw await fail('the content key does not belong to this image or key', version);
    throw error;
  }
}

/**
 * The dedup hash of an encrypted image: HMAC of the plaintext's SHA-256 under a key derived from the owner's TMK,
 * so equal pictures match within the account and a database reader cannot link them across accounts (a plain
 * SHA-256 would be the same for everybody).
 */
export async function keyedContentHash(tmk: Uint8Array, plainSha256Hex: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    (await deriveKey(tmk, 'pixelflare/dedup/v1')) as Uint8Array<ArrayBuffer>,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(plainSha256Hex));
  return `k1:${toHex(mac)}`;
}

/** R2 key of an encrypted rendition, in the image's folder (deleting the folder removes it). */
export function encryptedRenditionKey(originalKey: string, rendition: string): string {
  return `${originalKey.slice(0, originalKey.lastIndexOf('/') + 1)}enc-${rendition}.pfse`;
}

/** The custom metadata every encrypted object carries (nothing that reveals its content). */
export const encryptedObjectMetadata = (contentType: string, extra: Record<string, string> = {}) => ({
  httpMetadata: { contentType: 'application/octet-stream' },
  customMetadata: { 'pf-encryption': 'pfse1', 'pf-content-type': contentType, ...extra },
});

/**
 * Writes `plain` (a stream of `plainBytes`) to R2 at `key`, encrypted as it streams: the ciphertext length is
 * known up front, so R2 takes it as one PUT and memory stays at about one segment.
 */
export async function putEncrypted(
  bucket: R2Bucket,
  key: string,
  plain: ReadableStream<Uint8Array>,
  plainBytes: number,
  cek: ContentKey,
  imageId: string,
  rendition: string,
  contentType: string,
  extra: Record<string, string> = {},
): Promise<void> {
  const { readable, writable } = new FixedLengthStream(encryptedSize(plainBytes));
  const encrypted = plain.pipeThrough(encryptStream(cek.key, { context: objectContext(imageId, rendition) }));
  await Promise.all([
    bucket.put(key, readable, encryptedObjectMetadata(contentType, extra)),
    encrypted.pipeTo(writable),
  ]);
}

export interface DecryptedObject {
  /** Plaintext bytes of the whole object. */
  size: number;
  contentType: string;
  etag: string;
  body: ReadableStream<Uint8Array> | Uint8Array;
  /** The plaintext range returned, when a range was asked. */
  range?: { offset: number; length: number };
  customMetadata: Record<string, string>;
}

/** Reads and decrypts an object, whole or a plaintext range; null when it is not in R2. */
export async function getDecrypted(
  deps: EncryptionDeps & { bucket: ReadBucket; onFailure?: (work: Promise<unknown>) => void },
  image: { id: string; ownerId: string },
  key: string,
  rendition: string,
  cek: ContentKey,
  range?: (size: number) => { offset: number; length: number } | null | 'unsatisfiable',
): Promise<DecryptedObject | 'unsatisfiable' | null> {
  const context = objectContext(image.id, rendition);
  const head = await deps.bucket.head(key);
  if (!head) return null;
  const fail = (reason: string) => {
    const work = recordCryptoEvent(deps.db, {
      ownerId: image.ownerId,
      event: 'decrypt.failed',
      imageId: image.id,
      keyVersion: cek.version,
      metadata: { reason, rendition },
    });
    if (deps.onFailure) deps.onFailure(work);
    return work;
  };
  let size: number;
  try {
    size = plaintextSize(head.size);
  } catch {
    await fail('truncated');
    throw decryptionFailed('The stored object is truncated');
  }
  const meta = head.customMetadata ?? {};
  const contentType = meta['pf-content-type'] ?? 'application/octet-stream';
  const base = { size, contentType, etag: head.httpEtag, customMetadata: meta };
  const wanted = range ? range(size) : null;
  if (wanted === 'unsatisfiable') return 'unsatisfiable';
  const guard = (error: unknown) => {
    if (error instanceof DecryptError) {
      void fail(error.reason);
      return decryptionFailed(error.message);
    }
    return error;
  };
  if (!wanted) {
    const object = await deps.bucket.get(key);
    if (!object) return null;
    if (head.size <= ENCRYPTION_LIMITS.decryptWholeMaxBytes) {
      try {
        return {
          ...base,
          body: await decryptBytes(cek.key, new Uint8Array(await object.arrayBuffer()), { context }),
        };
      } catch (error) {
        throw guard(error);
      }
    }
    return { ...base, body: object.body.pipeThrough(guarded(decryptStream(cek.key, { context }), fail)) };
  }
  const cipherRange = cipherRangeFor(size, wanted.offset, wanted.length);
  const [header, segments] = await Promise.all([
    deps.bucket.get(key, { range: { offset: 0, length: PFSE_HEADER_BYTES } }),
    deps.bucket.get(key, { range: { offset: cipherRange.offset, length: cipherRange.length } }),
  ]);
  if (!header || !segments) return null;
  let transform: TransformStream<Uint8Array, Uint8Array>;
  try {
    transform = decryptRangeStream(cek.key, new Uint8Array(await header.arrayBuffer()), cipherRange, {
      context,
    });
  } catch (error) {
    throw guard(error);
  }
  if (cipherRange.length <= ENCRYPTION_LIMITS.decryptWholeMaxBytes) {
    try {
      const plain = await new Response(segments.body.pipeThrough(transform)).arrayBuffer();
      return { ...base, body: new Uint8Array(plain), range: wanted };
    } catch (error) {
      throw guard(error);
    }
  }
  return { ...base, body: segments.body.pipeThrough(guarded(transform, fail)), range: wanted };
}

/** A decrypting transform whose failure (mid-response: the connection is cut) is still recorded. */
function guarded(
  transform: TransformStream<Uint8Array, Uint8Array>,
  fail: (reason: string) => Promise<unknown>,
): TransformStream<Uint8Array, Uint8Array> {
  const reader = transform.readable.getReader();
  const writer = transform.writable.getWriter();
  const readable = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        await fail(error instanceof DecryptError ? error.reason : 'stream');
        controller.error(error);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
  const writable = new WritableStream<Uint8Array>({
    write: (chunk) => writer.write(chunk),
    close: () => writer.close(),
    abort: (reason) => writer.abort(reason),
  });
  return { readable, writable } as TransformStream<Uint8Array, Uint8Array>;
}

export type { Database };

/** An encrypted image's original, decrypted, for `GET /v1/images/{id}/download` (its owner only). */
export async function decryptedOriginal(
  deps: EncryptionDeps & { bucket: ReadBucket; onFailure?: (work: Promise<unknown>) => void },
  image: EncryptedImageRef & { storageKey: string },
): Promise<{ body: ReadableStream<Uint8Array> | Uint8Array; size: number } | null> {
  const cek = await openContentKey(deps, image);
  const object = await getDecrypted(deps, image, image.storageKey, 'original', cek);
  if (!object || object === 'unsatisfiable') return null;
  return { body: object.body, size: object.size };
}
