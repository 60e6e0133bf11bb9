import { IMAGE_EXTENSIONS, UPLOAD_LIMITS } from '@pixelflare/config';
import { users } from '@pixelflare/database';
import { originalStorageKey, UploadMetadataSchema, type UploadMetadata } from '@pixelflare/shared';
import { eq } from 'drizzle-orm';
import type { TusUploadState, UploadSession } from '../../durable-objects/upload-session';
import { AppError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { zodIssues } from '../../lib/validation';
import { resolveAlbum, storageUnavailable, type IngestDeps, type IngestResult } from '../ingest/ingest';
import { ingestStoredUpload } from '../ingest/stored';
import { wantsEncryption } from '../encryption/ingest';
import { assertWithinQuota, usageOf } from '../quotas/quotas';

export const TUS_VERSION = '1.0.0';
export const TUS_EXTENSIONS = 'creation,creation-with-upload,termination,expiration';
export const TUS_CONTENT_TYPE = 'application/offset+octet-stream';

/** Every tus answer but OPTIONS carries Tus-Resumable, errors included. */
export const TUS_HEADERS = { 'Tus-Resumable': TUS_VERSION, 'Cache-Control': 'no-store' } as const;

export const tusError = (
  status: 400 | 403 | 404 | 409 | 410 | 412 | 413 | 415,
  code: AppError['code'],
  message: string,
) => new AppError(status, code, message, undefined, { ...TUS_HEADERS });

/**
 * R2 refused a write of the upload's bytes: 503 with the tus header; `offset` bytes are stored and the client
 * resumes from there (tus clients ask with HEAD before they retry).
 */
export function tusStorageUnavailable(offset: number): AppError {
  const base = storageUnavailable('storage');
  return new AppError(
    503,
    base.code,
    offset > 0
      ? `Image storage is unavailable right now; the first ${offset} bytes are stored. Resume from there shortly`
      : base.message,
    undefined,
    { ...base.headers, ...TUS_HEADERS, 'Upload-Offset': String(offset) },
  );
}

/** Re-throws an ingest/quota error with the tus header the client library expects. */
function asTusError(error: unknown): unknown {
  if (error instanceof AppError) {
    return new AppError(error.status, error.code, error.message, error.issues, {
      ...error.headers,
      ...TUS_HEADERS,
    });
  }
  return error;
}

/** `Upload-Metadata: key base64,key base64`, decoded and validated like every other upload's metadata. */
export function parseUploadMetadata(header: string | undefined): UploadMetadata {
  const raw: Record<string, string> = {};
  for (const pair of (header ?? '').split(',')) {
    const [key, value] = pair.trim().split(' ');
    if (!key) continue;
    try {
      raw[key] = value ? new TextDecoder().decode(Uint8Array.from(atob(value), (c) => c.charCodeAt(0))) : '';
    } catch {
      throw tusError(400, 'BAD_REQUEST', `Upload-Metadata value for "${key}" is not base64`);
    }
  }
  // tus-js-client and Uppy send `name`/`filetype`; the filename may come as either.
  const { name, filetype: _filetype, type: _type, ...rest } = raw;
  const candidate = { ...rest, filename: rest.filename ?? name };
  const parsed = UploadMetadataSchema.safeParse(candidate);
  if (!parsed.success) {
    const issues = zodIssues(parsed.error);
    throw new AppError(
      400,
      'VALIDATION_FAILED',
      `Invalid Upload-Metadata: ${issues.map((i) => i.path).join(', ')}`,
      issues,
      {
        ...TUS_HEADERS,
      },
    );
  }
  return parsed.data;
}

/** Upload-Length: a positive integer within the resumable limit. Deferred length is not supported. */
export function parseUploadLength(header: string | undefined): number {
  if (!header || !/^\d+$/.test(header))
    throw tusError(400, 'BAD_REQUEST', 'Upload-Length is required (a byte count)');
  const length = Number(header);
  if (length === 0) throw tusError(400, 'BAD_REQUEST', 'The file is empty');
  if (length > UPLOAD_LIMITS.maxResumableBytes) {
    throw tusError(
      413,
      'PAYLOAD_TOO_LARGE',
      `Resumable uploads are at most ${UPLOAD_LIMITS.maxResumableBytes} bytes`,
    );
  }
  return length;
}

export function parseUploadOffset(header: string | undefined): number {
  if (!header || !/^\d+$/.test(header))
    throw tusError(400, 'BAD_REQUEST', 'Upload-Offset is required (a byte count)');
  return Number(header);
}

export function checkTusRequest(
  headers: { resumable?: string; contentType?: string },
  needsBody: boolean,
): void {
  if (headers.resumable !== TUS_VERSION) {
    throw tusError(412, 'BAD_REQUEST', `Tus-Resumable: ${TUS_VERSION} is required`);
  }
  if (needsBody && headers.contentType?.split(';')[0]?.trim() !== TUS_CONTENT_TYPE) {
    throw tusError(415, 'UNSUPPORTED_MEDIA_TYPE', `PATCH bodies must be ${TUS_CONTENT_TYPE}`);
  }
}

/** The next expiry of an upload: each PATCH extends it. */
export const nextExpiry = (now = Date.now()) => now + UPLOAD_LIMITS.resumableExpirySeconds * 1000;

export function sessionOf(
  namespace: DurableObjectNamespace,
  uploadId: string,
): DurableObjectStub<UploadSession> {
  const typed = namespace as unknown as DurableObjectNamespace<UploadSession>;
  return typed.get(typed.idFromName(uploadId));
}

export function progressHeaders(state: TusUploadState): Record<string, string> {
  return {
    ...TUS_HEADERS,
    'Upload-Offset': String(state.offset),
    'Upload-Length': String(state.length),
    'Upload-Expires': new Date(state.expiresAt).toUTCString(),
    ...(state.finished ? { 'Pixelflare-Image-Id': state.imageId } : {}),
  };
}

const KNOWN_EXTENSIONS = new Set<string>(Object.values(IMAGE_EXTENSIONS));

/**
 * The extension the original will probably get, from the declared filename. Only a guess that lets the
 * parts be assembled at the final key; ingest decides the type from the bytes and rewrites when it differs.
 */
function guessExtension(filename: string | undefined): string {
  const extension = filename?.split('.').at(-1)?.toLowerCase() ?? '';
  const normalised = extension === 'jpeg' ? 'jpg' : extension;
  return KNOWN_EXTENSIONS.has(normalised) ? normalised : 'upload';
}

/** Runs `work`, re-throwing its errors with the tus headers. */
async function asTus<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asTusError(error);
  }
}

/**
 * tus creation: the quota (when enforced) and the album are checked as any upload's would be, before a byte is
 * sent, then the upload session is opened. The image id is chosen now, so the parts are assembled at the key
 * the original will probably get.
 */
export async function startTusUpload(
  deps: IngestDeps,
  sessions: DurableObjectNamespace,
  input: { ownerId: string; length: number; metadata: UploadMetadata },
): Promise<TusUploadState> {
  const { ownerId, length, metadata } = input;
  const album = await asTus(async () => {
    if (deps.limits.usageLimitsEnabled) {
      const [owner] = await deps.db.select().from(users).where(eq(users.id, ownerId)).limit(1);
      if (owner) assertWithinQuota(usageOf(owner), { images: 1, bytes: length });
    }
    return resolveAlbum(deps.db, ownerId, metadata.album);
  });
  // Decided now (the account default included), so a refusal comes before a byte is sent.
  const encrypt = await asTus(() => wantsEncryption(deps, ownerId, metadata.encrypt));
  const id = newId('tus');
  const imageId = newId('img');
  const state = await sessionOf(sessions, id).create({
    id,
    imageId,
    stagingKey: originalStorageKey(
      ownerId,
      album?.slug ?? 'default',
      imageId,
      guessExtension(metadata.filename),
    ),
    ownerId,
    length,
    metadata: { ...metadata, encrypt },
    expiresAt: nextExpiry(),
  });
  if (!state) throw tusStorageUnavailable(0);
  return state;
}

/** Once every byte is in: the assembled object is ingested like any upload, then the session cleans up. */
export async function finishTusUpload(
  deps: IngestDeps,
  sessions: DurableObjectNamespace,
  state: TusUploadState,
): Promise<IngestResult> {
  const stub = sessionOf(sessions, state.id);
  try {
    const result = await ingestStoredUpload(deps, {
      key: state.stagingKey,
      ownerId: state.ownerId,
      metadata: state.metadata,
      way: 'tus',
      imageId: state.imageId,
    });
    await stub.finish(state.ownerId, result.image.id, result.image.storageKey === state.stagingKey);
    return result;
  } catch (error) {
    await stub.finish(state.ownerId, null, false);
    throw asTusError(error);
  }
}
