import { CDN_CACHE_CONTROL, RATE_LIMITS, VARIANT_NAMES, type VariantName } from '@pixelflare/config';
import { namedTransforms } from '@pixelflare/database';
import { parseTransformQuery, type TransformInput } from '@pixelflare/shared';
import { and, eq } from 'drizzle-orm';
import type { Context } from 'hono';
import { layoutFor, rotatedSize } from '../engines/geometry';
import { ENGINE_OUTPUT_FORMATS, engineNameFor, loadEngine } from '../engines/select';
import { AppError, badRequest } from '../lib/errors';
import type { AppEnv } from '../lib/types';
import { clientIp } from '../middleware/client-ip';
import { createKvTokenBucket, type RateLimiter } from '../services/rate-limit/token-bucket';
import { cdnCacheKey } from '../services/variants/cdn-cache';
import { presetInput, resolveVariantTransform, variantKeyOf } from '../services/variants/keys';
import { findCdnImage, type CdnImage } from '../services/variants/lookup';
import { acceptClass, chooseOutputFormat } from '../services/variants/negotiate';
import { getStoredVariant, renderVariant } from '../services/variants/render';
import { canonicalQuery, verifyCdnSignature } from '../services/variants/signing';
import { parseCdnPath, rawCdnPath } from './cdn-path';
import {
  cdnNotFound,
  imageHeaders,
  matchesEtag,
  notModified,
  parseRange,
  type ImageHeaders,
} from './responses';

type CdnContext = Context<AppEnv>;

let limiter: RateLimiter | undefined;

function enabledVariants(c: CdnContext): readonly string[] {
  return c.get('config').ALLOWED_VARIANTS ?? VARIANT_NAMES;
}

/** Answers with the body unless the client already has it; HEAD never gets a body. */
function respond(c: CdnContext, body: BodyInit | null, headers: Headers, status = 200): Response {
  if (matchesEtag(c.req.header('If-None-Match'), headers.get('ETag'))) return notModified(headers);
  return new Response(c.req.method === 'HEAD' ? null : body, { status, headers });
}

/** The original, with byte ranges. Range answers bypass the Cache API (it stores whole objects only). */
async function serveOriginal(c: CdnContext, image: CdnImage, cacheControl: string): Promise<Response> {
  const bucket = c.env.IMAGES_BUCKET;
  const head = await bucket.head(image.storageKey);
  if (!head) throw cdnNotFound();
  const headers = imageHeaders({
    contentType: image.contentType,
    etag: head.httpEtag,
    cacheControl,
    length: head.size,
    cacheStatus: 'original',
  });
  headers.set('Accept-Ranges', 'bytes');
  if (matchesEtag(c.req.header('If-None-Match'), head.httpEtag)) return notModified(headers);
  const range = parseRange(c.req.header('Range'), head.size);
  if (range === 'unsatisfiable') {
    return new Response(null, { status: 416, headers: { 'Content-Range': `bytes */${head.size}` } });
  }
  if (c.req.method === 'HEAD') return new Response(null, { headers });
  const object = await bucket.get(image.storageKey, range ? { range } : undefined);
  if (!object) throw cdnNotFound();
  if (!range) return new Response(object.body, { headers });
  headers.set('Content-Range', `bytes ${range.offset}-${range.offset + range.length - 1}/${head.size}`);
  headers.set('Content-Length', String(range.length));
  return new Response(object.body, { status: 206, headers });
}

async function namedTransformInput(c: CdnContext, ownerId: string, name: string): Promise<TransformInput> {
  const row = await c
    .get('db')
    .select({ params: namedTransforms.params })
    .from(namedTransforms)
    .where(and(eq(namedTransforms.ownerId, ownerId), eq(namedTransforms.name, name)))
    .get();
  if (!row)
    throw badRequest(`t: no transform named "${name}"`, [
      { path: 't', message: `no transform named "${name}"` },
    ]);
  const parsed = parseTransformQuery(Object.entries(row.params));
  if (!parsed.ok)
    throw new AppError(422, 'UNPROCESSABLE_IMAGE', `The transform "${name}" has invalid parameters`);
  return parsed.input;
}

async function enforceTransformRateLimit(c: CdnContext): Promise<void> {
  if (!c.get('config').RATE_LIMIT_ENABLED) return;
  limiter ??= createKvTokenBucket();
  const decision = await limiter.consume(c.env.KV, `cdn:${clientIp(c)}`, RATE_LIMITS.cdnTransforms, {
    waitUntil: (promise) => c.executionCtx.waitUntil(promise),
    onError: (error) =>
      c.get('logger').warn('CDN rate limiter unavailable, failing open', { error: String(error) }),
  });
  if (!decision.allowed) {
    throw new AppError(
      429,
      'RATE_LIMITED',
      `Too many image transforms; retry in ${decision.retryAfterSeconds} s`,
      undefined,
      { 'Retry-After': String(decision.retryAfterSeconds), 'Cache-Control': 'no-store' },
    );
  }
}

/**
 * `GET|HEAD /cdn/...`. In order: Cache API (nothing else is touched on a hit), the image row (404 if gone,
 * 403 if private and unsigned), then for a variant the copy stored in R2, and only then the engine.
 */
export async function serveCdn(c: CdnContext): Promise<Response> {
  const url = new URL(c.req.url);
  const route = parseCdnPath(rawCdnPath(url));
  if (!route) throw cdnNotFound();
  const entries = [...url.searchParams.entries()];
  const transformEntries = entries.filter(([name]) => name !== 'sig' && name !== 'exp');
  const transformed = route.variant !== undefined || transformEntries.length > 0;
  const accept = acceptClass(c.req.header('Accept'));
  const signed = url.searchParams.has('sig') || url.searchParams.has('exp');
  const sortedQuery = canonicalQuery(transformEntries);
  const cacheable = !signed && !c.req.header('Range');
  const cacheKey = cdnCacheKey(route.canonicalPath, sortedQuery, transformed ? accept : null);
  const cache = caches.default;

  if (cacheable) {
    const hit = await cache.match(cacheKey);
    if (hit) {
      const headers = new Headers(hit.headers);
      headers.set('X-Cache', 'hit');
      return respond(c, hit.body, headers);
    }
  }

  // Validated only on a miss: an invalid request is never cached, so a hit needs no parsing.
  const parsed = parseTransformQuery(transformEntries);
  if (!parsed.ok) {
    throw badRequest(
      `Invalid transform: ${parsed.issues.map((issue) => issue.message).join('; ')}`,
      parsed.issues,
    );
  }
  if (route.variant !== undefined && !enabledVariants(c).includes(route.variant)) {
    throw badRequest(
      `Unknown variant "${route.variant}"; available: original, ${enabledVariants(c).join(', ')}`,
      [{ path: 'variant', message: `unknown variant "${route.variant}"` }],
    );
  }
  const db = c.get('db');
  const image = await findCdnImage(db, route.ref);
  if (!image) throw cdnNotFound();
  // With REQUIRE_SIGNED_TRANSFORMS, free-form parameters need a signature; presets and `?t=` do not.
  const customParams = transformEntries.some(([name]) => name !== 't');
  const needsSignature = image.isPrivate || (c.get('config').REQUIRE_SIGNED_TRANSFORMS && customParams);
  if (needsSignature) {
    const check = await verifyCdnSignature({
      kv: c.env.KV,
      serverSecret: c.get('config').API_HASH_SECRET,
      ownerId: image.ownerId,
      path: route.canonicalPath,
      query: transformEntries,
      sig: url.searchParams.get('sig') ?? undefined,
      exp: url.searchParams.get('exp') ?? undefined,
      now: Date.now(),
    });
    if (check !== 'valid') {
      const what = image.isPrivate ? 'This image is private' : 'Custom transforms must be signed';
      const reason = {
        missing: 'needs a signed URL',
        expired: 'signed URL has expired',
        invalid: 'signature is invalid',
      };
      throw new AppError(403, 'FORBIDDEN', `${what}: ${reason[check]}`, undefined, {
        'Cache-Control': 'no-store',
      });
    }
  }
  const immutable = image.isPrivate ? CDN_CACHE_CONTROL.private : CDN_CACHE_CONTROL.immutable;
  const engineName = engineNameFor(c.get('config').IMAGE_ENGINE, c.env.IMAGES);
  // SVG is vector and served as drawn; passthrough deployments serve every variant as the original.
  if (!transformed || image.contentType === 'image/svg+xml' || engineName === 'passthrough') {
    const response = await serveOriginal(c, image, immutable);
    if (cacheable && !image.isPrivate && response.status === 200 && c.req.method === 'GET')
      c.executionCtx.waitUntil(cache.put(cacheKey, response.clone()));
    return response;
  }

  let input: TransformInput = route.variant ? presetInput(route.variant as VariantName) : {};
  input = { ...input, ...parsed.input };
  const locked = parsed.named ? await namedTransformInput(c, image.ownerId, parsed.named) : undefined;
  const transform = resolveVariantTransform(input, locked);
  const upright = rotatedSize({ width: image.width, height: image.height }, transform.rotate);
  const format = chooseOutputFormat({
    requested: transform.format,
    accept,
    sourceType: image.contentType,
    outputWidth: layoutFor(upright, transform).canvas.width,
    engineFormats: ENGINE_OUTPUT_FORMATS[engineName],
  });
  const key = await variantKeyOf(transform);
  const spec = {
    name: route.variant !== undefined && transformEntries.length === 0 ? route.variant : 'custom',
    key,
    transform,
    format,
  };
  const headerBase: Omit<ImageHeaders, 'contentType' | 'etag' | 'length' | 'cacheStatus'> = {
    cacheControl: image.isPrivate
      ? CDN_CACHE_CONTROL.private
      : transformEntries.length > 0
        ? CDN_CACHE_CONTROL.transform
        : CDN_CACHE_CONTROL.immutable,
    varyAccept: transform.format === 'auto',
  };

  let response: Response;
  const stored = await getStoredVariant(c.env.IMAGES_BUCKET, image, spec);
  if (stored) {
    const headers = imageHeaders({
      ...headerBase,
      contentType: stored.httpMetadata?.contentType ?? 'application/octet-stream',
      etag: stored.httpEtag,
      length: stored.size,
      cacheStatus: 'stored',
    });
    response = respond(c, stored.body, headers);
  } else {
    await enforceTransformRateLimit(c);
    const engine = await loadEngine(engineName, c.env.IMAGES);
    const rendered = await renderVariant(
      { db, bucket: c.env.IMAGES_BUCKET, engine, defer: (work) => c.executionCtx.waitUntil(work) },
      image,
      spec,
    );
    const headers = imageHeaders({
      ...headerBase,
      contentType: rendered.contentType,
      etag: rendered.etag,
      length: rendered.bytes.byteLength,
      cacheStatus: 'miss',
    });
    response = respond(c, rendered.bytes, headers);
  }
  if (cacheable && !image.isPrivate && response.status === 200 && c.req.method === 'GET')
    c.executionCtx.waitUntil(cache.put(cacheKey, response.clone()));
  return response;
}
