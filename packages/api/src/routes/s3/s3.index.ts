import { INGEST_MEMORY_LIMIT_BYTES, UPLOAD_LIMITS } from '@pixelflare/config';
import { users, type Database, type User } from '@pixelflare/database';
import { eq } from 'drizzle-orm';
import { Hono, type Context } from 'hono';
import { AppError } from '../../lib/errors';
import { describeError } from '../../lib/logger';
import type { AppEnv } from '../../lib/types';
import type { ApiScope } from '@pixelflare/config';
import { originalsOf } from '../../services/backups/originals';
import { backupSettingsOf } from '../../services/backups/settings';
import { trashImage } from '../../services/images/manage';
import { cdnBaseOf, signingDepsOf, type ImageView } from '../../services/images/resource';
import { sanitizeFilename } from '../../services/ingest/filename';
import { ingestDepsFrom, ingestImage, type IngestResult } from '../../services/ingest/ingest';
import { ingestStoredUpload } from '../../services/ingest/stored';
import { s3CallerOf, touchS3AccessKey, type S3Caller } from '../../services/s3/access-keys';
import {
  assertS3FailuresAllowed,
  consumeS3Request,
  recordS3Failure,
  type S3ThrottleDeps,
} from '../../services/s3/throttle';
import { clientIp } from '../../middleware/client-ip';
import { keyOf, parseObjectKey, urlEncodeKey, type ObjectAddress } from '../../services/s3/keys';
import { continuationTokenOf, entryOfToken, listObjectEntries, MAX_LIST_KEYS } from '../../services/s3/list';
import {
  asMultipartError,
  asMultipartWriteError,
  parseCompleteBody,
  refOfUploadId,
  stagingKeyFor,
  uploadIdOf,
} from '../../services/s3/multipart';
import { claimRequestedName, ensureAlbum, etagOf, findObject, readObject } from '../../services/s3/objects';
import { checkSignature, parseSignature, type ParsedSignature } from '../../services/s3/sigv4';
import { el, errorDocument, S3Error, s3Errors, xmlDocument } from '../../services/s3/xml';
import { payloadPlan, readWhole, streamOfKnownLength } from './s3.body';

/** PutObject bodies are held in memory up to this; larger ones (of a declared length) are streamed to R2 first. */
export const S3_PUT_MEMORY_BYTES = INGEST_MEMORY_LIMIT_BYTES;
/** The largest single PutObject, as for a two-step upload (larger files: multipart). */
export const S3_PUT_MAX_BYTES = UPLOAD_LIMITS.maxTwoStepBytes;
/** The largest object a multipart upload may assemble. */
export const S3_MULTIPART_MAX_BYTES = UPLOAD_LIMITS.maxResumableBytes;

type S3Context = Context<AppEnv>;

interface Target {
  bucket: string | null;
  key: string | null;
}

/** `/s3`, `/s3/{bucket}`, `/s3/{bucket}/{key...}` (path-style addressing), percent-decoded. */
function targetOf(url: URL): Target {
  const rest = url.pathname.replace(/^\/s3\/?/, '');
  if (!rest) return { bucket: null, key: null };
  const slash = rest.indexOf('/');
  const decode = (text: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      throw s3Errors.invalidArgument('The path is not valid percent-encoding');
    }
  };
  if (slash < 0) return { bucket: decode(rest), key: null };
  const key = rest.slice(slash + 1);
  return { bucket: decode(rest.slice(0, slash)), key: key ? decode(key) : null };
}

/** Ingest's errors as S3 error documents. */
function asS3Error(error: unknown): unknown {
  if (!(error instanceof AppError)) return error;
  switch (error.code) {
    case 'PAYLOAD_TOO_LARGE':
      return new S3Error(400, 'EntityTooLarge', error.message);
    case 'UNSUPPORTED_MEDIA_TYPE':
    case 'UNPROCESSABLE_IMAGE':
    case 'IMAGE_TOO_LARGE':
    case 'BAD_REQUEST':
    case 'VALIDATION_FAILED':
      return new S3Error(400, 'InvalidArgument', error.message);
    case 'QUOTA_EXCEEDED':
      return new S3Error(403, 'QuotaExceeded', error.message);
    case 'CONFLICT':
      return new S3Error(409, 'OperationAborted', error.message);
    case 'NOT_FOUND':
      return new S3Error(404, 'NoSuchKey', error.message);
    case 'SERVICE_UNAVAILABLE':
      return new S3Error(503, 'ServiceUnavailable', error.message);
    case 'INSUFFICIENT_SCOPE':
    case 'FORBIDDEN':
      return s3Errors.accessDenied(error.message);
    default:
      return error;
  }
}

/**
 * XML answers are never compressed: the runtime would gzip them for a client that accepts it, and SDKs that ask for
 * gzip themselves (rclone's) then fail to read the error documents.
 */
const XML_HEADERS = { 'Content-Type': 'application/xml', 'Content-Encoding': 'identity' };

const xml = (body: string, status = 200, headers: Record<string, string> = {}) =>
  new Response(body, { status, headers: { ...XML_HEADERS, ...headers } });

/** The S3 endpoint's rate limits for this request (off with RATE_LIMIT_ENABLED=false). */
const throttleOf = (c: S3Context): S3ThrottleDeps => ({
  kv: c.env.KV,
  enabled: c.get('config').RATE_LIMIT_ENABLED,
  waitUntil: (promise) => c.executionCtx.waitUntil(promise),
  onError: (error) =>
    c.get('logger').warn('s3 rate limiter unavailable, failing open', { error: String(error) }),
});

async function authenticateS3(c: S3Context): Promise<{ caller: S3Caller; parsed: ParsedSignature }> {
  const input = { method: c.req.method, url: c.req.url, headers: c.req.raw.headers };
  const parsed = parseSignature(input);
  if (!parsed)
    throw s3Errors.accessDenied('Anonymous access is not allowed: sign requests with an S3 access key');
  const throttle = throttleOf(c);
  const ip = clientIp(c);
  await assertS3FailuresAllowed(throttle, ip);
  const config = c.get('config');
  const db = c.get('db');
  const caller = await s3CallerOf(db, config.ENCRYPTION_KEY ?? config.AUTH_SECRET, parsed.accessKeyId);
  if (!caller) {
    await recordS3Failure(throttle, ip);
    throw s3Errors.invalidAccessKeyId();
  }
  const check = await checkSignature(input, parsed, caller.secret);
  if (!check.ok) {
    await recordS3Failure(throttle, ip);
    const error = s3Errors.signatureDoesNotMatch();
    throw new S3Error(error.status, error.code, error.message, {
      AWSAccessKeyId: parsed.accessKeyId,
      StringToSign: check.stringToSign,
      CanonicalRequest: check.canonicalRequest,
    });
  }
  await consumeS3Request(throttle, { keyId: caller.keyId, plan: caller.user.plan });
  // The caller as the audit and outbox layers read it: a key-authenticated principal (`key:s3k_…` in the audit log).
  c.set('principal', {
    userId: caller.user.id,
    ownerSlug: caller.user.slug,
    isAdmin: caller.user.isAdmin,
    via: 'api_key',
    keyId: caller.keyId,
    scopes: caller.scopes,
  });
  if (caller.touchLastUsed) {
    c.executionCtx.waitUntil(touchS3AccessKey(db, caller.keyId).catch(() => undefined));
  }
  return { caller, parsed };
}

/** The caller's own bucket is their slug; another existing account's is AccessDenied, anything else NoSuchBucket. */
async function assertOwnBucket(db: Database, user: User, bucket: string): Promise<void> {
  if (bucket === user.slug) return;
  const other = await db.select({ id: users.id }).from(users).where(eq(users.slug, bucket)).get();
  throw other ? s3Errors.accessDenied() : s3Errors.noSuchBucket(bucket);
}

function requireScope(caller: S3Caller, scope: ApiScope): void {
  if (!caller.scopes.has(scope))
    throw s3Errors.accessDenied(`This access key may not do this (needs ${scope})`);
}

function viewOf(c: S3Context, user: User): ImageView {
  return {
    ownerId: user.id,
    ownerSlug: user.slug,
    cdn: cdnBaseOf(c.get('config')),
    signing: signingDepsOf(c.env, c.get('config')),
  };
}

/**
 * Ingest deduplicates: the same bytes uploaded again answer with the image already stored. Through S3 that holds
 * only when that image is at the key asked for (an unchanged file uploaded again); at another key the bytes are
 * stored again, since an S3 client expects the object at its key afterwards.
 */
async function ingestAtKey(
  address: ObjectAddress,
  ingest: (allowDuplicate: boolean) => Promise<IngestResult>,
): Promise<IngestResult> {
  const first = await ingest(false);
  if (!first.duplicate) return first;
  const same =
    first.image.albumSlug === address.albumSlug &&
    first.image.filename === sanitizeFilename(address.filename, first.image.contentType);
  return same ? first : ingest(true);
}

async function handle(c: S3Context): Promise<Response> {
  const url = new URL(c.req.url);
  const { caller, parsed } = await authenticateS3(c);
  const target = targetOf(url);
  const db = c.get('db');
  const user = caller.user;
  const method = c.req.method;
  const query = url.searchParams;

  if (!target.bucket) {
    if (method !== 'GET')
      throw new S3Error(
        405,
        'MethodNotAllowed',
        'The specified method is not allowed against this resource.',
      );
    requireScope(caller, 'images:read');
    return xml(
      xmlDocument(
        'ListAllMyBucketsResult',
        `<Owner>${el('ID', user.id)}${el('DisplayName', user.slug)}</Owner><Buckets><Bucket>${el('Name', user.slug)}${el('CreationDate', user.createdAt.toISOString())}</Bucket></Buckets>`,
      ),
    );
  }
  await assertOwnBucket(db, user, target.bucket);

  if (!target.key) {
    if (method === 'HEAD')
      return new Response(null, { status: 200, headers: { 'x-amz-bucket-region': parsed.region } });
    // CreateBucket of the bucket the caller already has (tools such as rclone create it before a first upload).
    if (method === 'PUT')
      return new Response(null, { status: 200, headers: { Location: `/${target.bucket}` } });
    if (method !== 'GET') throw s3Errors.notImplemented(`${method} on a bucket`);
    requireScope(caller, 'images:read');
    if (query.has('location')) return xml(xmlDocument('LocationConstraint', ''));
    if (query.has('uploads'))
      return xml(xmlDocument('ListMultipartUploadsResult', el('Bucket', target.bucket)));
    return listObjects(c, user, target.bucket, query);
  }

  const address = parseObjectKey(target.key);
  const deps = ingestDepsFrom(db, c.env, c.get('config'));
  const view = viewOf(c, user);
  const store = { db, cache: caches.default };

  if (method === 'GET' || method === 'HEAD') {
    requireScope(caller, 'images:read');
    if (query.has('uploadId')) throw s3Errors.notImplemented('ListParts');
    const image = await findObject(db, user.id, address);
    if (!image) {
      if (method === 'HEAD') return new Response(null, { status: 404 });
      throw s3Errors.noSuchKey(target.key);
    }
    // The original from R2, or from the owner's bucket (bring your own storage), as the CDN reads it.
    const originals = await originalsOf(
      { db, bucket: c.env.IMAGES_BUCKET, settings: backupSettingsOf(c.get('config')) },
      image,
    );
    const read = await readObject(
      { bucket: originals, encryption: { db, config: c.get('config') } },
      {
        image,
        method,
        range: c.req.header('range') ?? null,
        ifNoneMatch: c.req.header('if-none-match') ?? null,
      },
    );
    return new Response(read.body, { status: read.status, headers: read.headers });
  }

  if (method === 'DELETE') {
    requireScope(caller, 'images:delete');
    const uploadId = query.get('uploadId');
    if (uploadId !== null) {
      const ref = refOfUploadId(user.id, uploadId);
      try {
        await c.env.IMAGES_BUCKET.resumeMultipartUpload(ref.stagingKey, ref.r2UploadId).abort();
      } catch (error) {
        throw asMultipartError(error);
      }
      return new Response(null, { status: 204 });
    }
    const image = await findObject(db, user.id, address);
    if (image) await trashImage(store, image, view);
    c.set('audit', {
      action: 's3.delete_object',
      resourceType: 'image',
      resourceId: image?.id,
      metadata: { key: target.key },
    });
    // S3 answers 204 whether or not the key existed.
    return new Response(null, { status: 204 });
  }

  requireScope(caller, 'images:write');
  const metadata = {
    filename: address.filename,
    album: address.albumSlug === 'default' ? undefined : address.albumSlug,
  };

  if (method === 'PUT') {
    const uploadId = query.get('uploadId');
    const partNumber = query.get('partNumber');
    if (uploadId !== null || partNumber !== null) {
      const number = Number(partNumber);
      if (!Number.isInteger(number) || number < 1 || number > 10000) {
        throw s3Errors.invalidArgument('Part number must be an integer between 1 and 10000, inclusive');
      }
      const ref = refOfUploadId(user.id, uploadId ?? '');
      const body = streamOfKnownLength(await payloadPlan(c.req.raw, parsed, caller.secret));
      if (body.length > S3_MULTIPART_MAX_BYTES) throw s3Errors.entityTooLarge(S3_MULTIPART_MAX_BYTES);
      let part: R2UploadedPart;
      try {
        part = await c.env.IMAGES_BUCKET.resumeMultipartUpload(ref.stagingKey, ref.r2UploadId).uploadPart(
          number,
          body.stream,
        );
      } catch (error) {
        const refused = asMultipartWriteError(error);
        // The client's own mistakes (a wrong checksum) come first; a body R2 stopped reading is incomplete
        // because of R2, which is the error then.
        await body.verify().catch((bodyError: unknown) => {
          const ours = bodyError instanceof S3Error && bodyError.code === 'IncompleteBody';
          if (!(ours && refused.status === 503)) throw bodyError;
        });
        throw refused;
      }
      await body.verify();
      // One row per part would flood the log: the completion is audited instead.
      c.set('audit', { skip: true });
      return new Response(null, { status: 200, headers: { ETag: `"${part.etag}"` } });
    }
    if (c.req.header('x-amz-copy-source')) throw s3Errors.notImplemented('CopyObject');
    const plan = await payloadPlan(c.req.raw, parsed, caller.secret);
    let result: IngestResult;
    if (plan.length !== null && plan.length > S3_PUT_MEMORY_BYTES) {
      // A large single PUT (rclone sends up to 200 MB in one by default): streamed to a staging object with
      // bounded memory, then ingested from there like a two-step upload.
      if (plan.length > S3_PUT_MAX_BYTES) throw s3Errors.entityTooLarge(S3_PUT_MAX_BYTES);
      const body = streamOfKnownLength(plan);
      const stagingKey = stagingKeyFor(user.id);
      try {
        try {
          await c.env.IMAGES_BUCKET.put(stagingKey, body.stream);
        } finally {
          await body.verify();
        }
        await ensureAlbum(db, { ...view, now: Date.now() }, address.albumSlug);
        result = await ingestAtKey(address, (allowDuplicate) =>
          ingestStoredUpload(deps, {
            ownerId: user.id,
            metadata,
            way: 's3',
            key: stagingKey,
            allowDuplicate,
          }),
        );
      } finally {
        await c.env.IMAGES_BUCKET.delete(stagingKey);
      }
    } else {
      const bytes = await readWhole(plan, S3_PUT_MEMORY_BYTES);
      await ensureAlbum(db, { ...view, now: Date.now() }, address.albumSlug);
      result = await ingestAtKey(address, (allowDuplicate) =>
        ingestImage(deps, { ownerId: user.id, bytes, metadata, way: 's3', allowDuplicate }),
      );
    }
    const image = await claimRequestedName(store, view, address.filename, result);
    c.set('audit', {
      action: 's3.put_object',
      resourceType: 'image',
      resourceId: image.id,
      metadata: { key: keyOf(image) },
    });
    return new Response(null, {
      status: 200,
      headers: { ETag: etagOf(image), 'x-pixelflare-key': keyOf(image), 'x-pixelflare-image-id': image.id },
    });
  }

  if (method === 'POST') {
    if (query.has('uploads')) {
      await ensureAlbum(db, { ...view, now: Date.now() }, address.albumSlug);
      const stagingKey = stagingKeyFor(user.id);
      const upload = await c.env.IMAGES_BUCKET.createMultipartUpload(stagingKey).catch((error: unknown) => {
        throw asMultipartWriteError(error);
      });
      const uploadId = uploadIdOf({ stagingKey, r2UploadId: upload.uploadId });
      return xml(
        xmlDocument(
          'InitiateMultipartUploadResult',
          `${el('Bucket', target.bucket)}${el('Key', target.key)}${el('UploadId', uploadId)}`,
        ),
      );
    }
    const uploadId = query.get('uploadId');
    if (uploadId === null) throw s3Errors.notImplemented(`POST ${url.search || 'on an object'}`);
    const ref = refOfUploadId(user.id, uploadId);
    const plan = await payloadPlan(c.req.raw, parsed, caller.secret);
    const parts = parseCompleteBody(new TextDecoder().decode(await readWhole(plan, 1024 * 1024)));
    try {
      await c.env.IMAGES_BUCKET.resumeMultipartUpload(ref.stagingKey, ref.r2UploadId).complete(parts);
    } catch (error) {
      const mapped = asMultipartError(error);
      if (mapped instanceof S3Error) throw mapped;
      c.get('logger')?.warn('s3 multipart completion refused', describeError(error));
      throw new S3Error(
        400,
        'InvalidPart',
        "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
      );
    }
    try {
      const result = await ingestAtKey(address, (allowDuplicate) =>
        ingestStoredUpload(deps, {
          ownerId: user.id,
          metadata,
          way: 's3',
          key: ref.stagingKey,
          allowDuplicate,
        }),
      );
      const image = await claimRequestedName(store, view, address.filename, result);
      c.set('audit', {
        action: 's3.complete_multipart_upload',
        resourceType: 'image',
        resourceId: image.id,
        metadata: { key: keyOf(image) },
      });
      return xml(
        xmlDocument(
          'CompleteMultipartUploadResult',
          `${el('Location', `${url.origin}/s3/${encodeURIComponent(user.slug)}/${keyOf(image)}`)}${el('Bucket', target.bucket)}${el('Key', keyOf(image))}${el('ETag', etagOf(image))}`,
        ),
        200,
        { 'x-pixelflare-key': keyOf(image), 'x-pixelflare-image-id': image.id },
      );
    } finally {
      await c.env.IMAGES_BUCKET.delete(ref.stagingKey);
    }
  }
  throw new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
}

async function listObjects(
  c: S3Context,
  user: User,
  bucket: string,
  query: URLSearchParams,
): Promise<Response> {
  const v2 = query.get('list-type') === '2';
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter');
  const encode = query.get('encoding-type') === 'url';
  if (query.has('encoding-type') && !encode)
    throw s3Errors.invalidArgument('Invalid Encoding Method specified in Request');
  const maxKeysText = query.get('max-keys');
  const maxKeys = maxKeysText === null ? MAX_LIST_KEYS : Number(maxKeysText);
  if (!Number.isInteger(maxKeys) || maxKeys < 0)
    throw s3Errors.invalidArgument('Provided max-keys not an integer or within integer range');
  const token = v2 ? query.get('continuation-token') : null;
  const startAfter = (v2 ? query.get('start-after') : query.get('marker')) ?? '';
  const fromToken = token ? entryOfToken(token) : '';
  const after = fromToken > startAfter ? fromToken : startAfter;
  const page = await listObjectEntries(c.get('db'), {
    ownerId: user.id,
    prefix,
    delimiter,
    maxKeys: Math.min(maxKeys, MAX_LIST_KEYS),
    after,
  });
  const k = (key: string) => (encode ? urlEncodeKey(key) : key);
  const contents = page.objects
    .map(
      (object) =>
        `<Contents>${el('Key', k(object.key))}${el('LastModified', object.lastModified.toISOString())}${el('ETag', `"${object.etag}"`)}${el('Size', object.size)}${el('StorageClass', 'STANDARD')}</Contents>`,
    )
    .join('');
  const prefixes = page.prefixes
    .map((p) => `<CommonPrefixes>${el('Prefix', k(p))}</CommonPrefixes>`)
    .join('');
  const common = `${el('Name', bucket)}${el('Prefix', k(prefix))}${delimiter !== null ? el('Delimiter', k(delimiter)) : ''}${el('MaxKeys', maxKeys)}${encode ? el('EncodingType', 'url') : ''}${el('IsTruncated', page.truncated)}`;
  if (v2) {
    const next =
      page.truncated && page.last ? el('NextContinuationToken', continuationTokenOf(page.last)) : '';
    return xml(
      xmlDocument(
        'ListBucketResult',
        `${common}${el('KeyCount', page.objects.length + page.prefixes.length)}${token ? el('ContinuationToken', token) : ''}${query.has('start-after') ? el('StartAfter', k(startAfter)) : ''}${next}${contents}${prefixes}`,
      ),
    );
  }
  const nextMarker = page.truncated && page.last ? el('NextMarker', k(page.last)) : '';
  return xml(
    xmlDocument(
      'ListBucketResult',
      `${common}${el('Marker', k(startAfter))}${nextMarker}${contents}${prefixes}`,
    ),
  );
}

/**
 * `/s3`: the S3-compatible endpoint (path-style: `/s3/{bucket}/{key}`, the bucket being the owner's slug). Every
 * request is SigV4-signed with an access key pair from Settings; every error is S3's XML error document.
 */
export const s3Router = new Hono<AppEnv>();
s3Router.all('*', async (c) => {
  try {
    return await handle(c);
  } catch (thrown) {
    const error = asS3Error(thrown);
    const requestId = c.get('requestId');
    const resource = new URL(c.req.url).pathname;
    const s3 =
      error instanceof S3Error
        ? error
        : new S3Error(500, 'InternalError', 'We encountered an internal error. Please try again.');
    if (!(error instanceof S3Error)) c.get('logger')?.error('s3 request failed', describeError(error));
    const headers: Record<string, string> = { ...XML_HEADERS, ...s3.headers, 'x-amz-request-id': requestId };
    // HEAD answers carry no body.
    if (c.req.method === 'HEAD') return new Response(null, { status: s3.status, headers });
    return new Response(errorDocument(s3, resource, requestId), { status: s3.status, headers });
  }
});
