import { ENCRYPTED_RENDITIONS } from '@pixelflare/config';
import { images, users } from '@pixelflare/database';
import { eq } from 'drizzle-orm';
import type { Context } from 'hono';
import { engineNameFor } from '../engines/select';
import { AppError } from '../lib/errors';
import type { AppEnv } from '../lib/types';
import { encryptedRenditionKey, getDecrypted, openContentKey } from '../services/encryption/content';
import { recordCryptoEvent } from '../services/encryption/events';
import { checkAccessToken, type TokenCheck } from '../services/encryption/tokens';
import type { CdnImage } from '../services/variants/lookup';
import { cdnNotFound, parseRange } from './responses';
import { originalsOf } from '../services/backups/originals';
import { backupSettingsOf } from '../services/backups/settings';

/** Every encrypted answer: never stored by a cache, and the token in its URL never sent on as a referrer. */
const ENCRYPTED_HEADERS = {
  'Cache-Control': 'private, no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Cache': 'encrypted',
} as const;

const refusal = (check: TokenCheck) => {
  const reasons: Partial<Record<TokenCheck, string>> = {
    expired: 'the access token has expired',
    invalid: 'the access token is invalid',
    revoked: 'the access token was revoked (the account rotated its key)',
    'wrong-rendition': 'the access token is for another rendition',
  };
  return new AppError(
    403,
    'FORBIDDEN',
    `This image needs a valid access token: ${reasons[check]}`,
    undefined,
    {
      ...ENCRYPTED_HEADERS,
    },
  );
};

/**
 * An encrypted image on the CDN. Without a token (its public URL) it does not exist: 404, as for a missing
 * image. With one: the token is checked (bound to the image, optionally one rendition, an expiry and the key
 * version), then the stored object is decrypted (a `Range` decrypts only the segments it covers). Only the
 * preset renditions made at ingest exist; nothing is rendered on the fly, and nothing is cached.
 */
export async function serveEncrypted(
  c: Context<AppEnv>,
  image: CdnImage,
  variant: string | undefined,
  params: [string, string][],
  token: string | undefined,
): Promise<Response> {
  if (!token) throw cdnNotFound();
  const db = c.get('db');
  const config = c.get('config');
  const [row] = await db
    .select({ wrappedKey: images.wrappedKey, keyVersion: users.encryptionKeyVersion })
    .from(images)
    .innerJoin(users, eq(users.id, images.ownerId))
    .where(eq(images.id, image.id))
    .limit(1);
  if (!row) throw cdnNotFound();
  const rendition = variant ?? 'original';
  const check = await checkAccessToken(
    config,
    token,
    { id: image.id, ownerId: image.ownerId, currentKeyVersion: row.keyVersion },
    rendition,
    Math.floor(Date.now() / 1000),
  );
  if (check === 'missing' || check === 'malformed' || check === 'wrong-image') throw cdnNotFound();
  if (check !== 'valid') {
    c.executionCtx.waitUntil(
      recordCryptoEvent(db, {
        ownerId: image.ownerId,
        event: 'token.refused',
        imageId: image.id,
        metadata: { reason: check, rendition },
      }),
    );
    throw refusal(check);
  }
  if (params.length > 0) {
    throw new AppError(
      400,
      'BAD_REQUEST',
      `Encrypted images have no on-the-fly transforms; the stored renditions are original, ${ENCRYPTED_RENDITIONS.join(', ')}`,
      undefined,
      { ...ENCRYPTED_HEADERS },
    );
  }
  const renditions: readonly string[] = ENCRYPTED_RENDITIONS;
  if (rendition !== 'original' && !renditions.includes(rendition)) throw notStored(rendition);
  const cek = await openContentKey(
    { db, config },
    { id: image.id, ownerId: image.ownerId, wrappedKey: row.wrappedKey },
  );
  // Renditions from R2; the original's ciphertext from R2 or the owner's bucket (bring your own storage).
  const bucket = await originalsOf(
    { db, bucket: c.env.IMAGES_BUCKET, settings: backupSettingsOf(config) },
    image,
  );
  const deps = { db, config, bucket, onFailure: (work: Promise<unknown>) => c.executionCtx.waitUntil(work) };
  const read = (key: string, name: string, withRange: boolean) =>
    getDecrypted(
      deps,
      image,
      key,
      name,
      cek,
      withRange ? (size) => parseRange(c.req.header('Range'), size) : undefined,
    );
  let object =
    rendition === 'original'
      ? null
      : await read(encryptedRenditionKey(image.storageKey, rendition), rendition, false);
  if (!object && rendition !== 'original') {
    // As on the public CDN: SVG is served as drawn, and a passthrough deployment has no renditions.
    const passthrough = engineNameFor(config.IMAGE_ENGINE, c.env.IMAGES) === 'passthrough';
    if (image.contentType !== 'image/svg+xml' && !passthrough) throw notStored(rendition);
  }
  const isOriginal = !object;
  object ??= await read(image.storageKey, 'original', true);
  if (!object) throw cdnNotFound();
  if (object === 'unsatisfiable') {
    return new Response(null, { status: 416, headers: { ...ENCRYPTED_HEADERS } });
  }
  const headers = new Headers({
    ...ENCRYPTED_HEADERS,
    'Content-Type': object.contentType,
    ETag: object.etag,
  });
  if (isOriginal) headers.set('Accept-Ranges', 'bytes');
  const body = c.req.method === 'HEAD' ? null : object.body;
  if (object.range) {
    const { offset, length } = object.range;
    headers.set('Content-Range', `bytes ${offset}-${offset + length - 1}/${object.size}`);
    headers.set('Content-Length', String(length));
    return new Response(body, { status: 206, headers });
  }
  headers.set('Content-Length', String(object.size));
  return new Response(body, { headers });
}

const notStored = (rendition: string) =>
  new AppError(
    404,
    'NOT_FOUND',
    `Rendition "${rendition}" is not stored for this encrypted image (stored: original, ${ENCRYPTED_RENDITIONS.join(', ')})`,
    undefined,
    { ...ENCRYPTED_HEADERS },
  );
