import { ENCRYPTED_RENDITIONS } from '@pixelflare/config';
import type { Image } from '@pixelflare/database';
import { loadEngine } from '../../engines/select';
import type { EngineName } from '../../engines/types';
import type { Bindings } from '../../lib/env';
import { resolveVariant } from '../variants/resolve';
import { encryptedRenditionKey, getDecrypted, openContentKey, putEncrypted } from './content';
import type { EncryptionDeps } from './tenant-keys';
import type { ReadBucket } from '../backups/originals';

export interface RenditionDeps extends EncryptionDeps {
  bucket: R2Bucket;
  /** Where the original's ciphertext is read when not R2 (bring your own storage). */
  originals?: ReadBucket;
  images: Bindings['IMAGES'];
  engine: EngineName;
}

/**
 * Makes an encrypted image's preset renditions (`ENCRYPTED_RENDITIONS`) once its original is stored: the
 * original is decrypted in memory (as any render holds it), each rendition rendered in a format every browser
 * takes (the `other` Accept class: no AVIF/WebP negotiation, since one copy is stored) and stored encrypted under
 * the image's CEK, bound to its own name. Renditions already stored are skipped, so a redelivery only finishes
 * the job. Nothing clear is ever written.
 */
export async function renderEncryptedRenditions(
  deps: RenditionDeps,
  image: Image,
): Promise<{ rendered: string[]; skipped: string[] }> {
  const rendered: string[] = [];
  const skipped: string[] = [];
  if (image.contentType === 'image/svg+xml' || deps.engine === 'passthrough') return { rendered, skipped };
  const missing: string[] = [];
  for (const name of ENCRYPTED_RENDITIONS) {
    if (await deps.bucket.head(encryptedRenditionKey(image.storageKey, name))) skipped.push(name);
    else missing.push(name);
  }
  if (missing.length === 0) return { rendered, skipped };
  const cek = await openContentKey(deps, image);
  // The ciphertext from R2, or from the owner's bucket (bring your own storage).
  const original = await getDecrypted(
    { ...deps, bucket: deps.originals ?? deps.bucket },
    image,
    image.storageKey,
    'original',
    cek,
  );
  if (!original || original === 'unsatisfiable') return { rendered, skipped };
  const source =
    original.body instanceof Uint8Array
      ? original.body
      : new Uint8Array(await new Response(original.body).arrayBuffer());
  const engine = await loadEngine(deps.engine, deps.images);
  for (const name of missing) {
    const spec = await resolveVariant(
      deps.db,
      image,
      { preset: name as (typeof ENCRYPTED_RENDITIONS)[number] },
      { accept: 'other', engine: deps.engine },
    );
    const output = await engine.transform({
      source,
      sourceType: image.contentType,
      sourceSize: { width: image.width, height: image.height },
      sourceAnimated: image.isAnimated,
      transform: spec.transform,
      output: spec.format,
    });
    await putEncrypted(
      deps.bucket,
      encryptedRenditionKey(image.storageKey, name),
      new Blob([output.bytes as Uint8Array<ArrayBuffer>]).stream(),
      output.bytes.byteLength,
      cek,
      image.id,
      name,
      output.contentType,
      { width: String(output.width), height: String(output.height), engine: output.engine },
    );
    rendered.push(name);
  }
  return { rendered, skipped };
}
