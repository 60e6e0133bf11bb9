import {
  CACHE_TTL,
  CDN_CACHE_CONTROL,
  RATE_LIMITS,
  SIGNED_URL_PARAMS,
  VARIANT_NAMES,
  isVariantName,
} from '@pixelflare/config';
import { canonicalCdnQuery, parseTransformQuery } from '@pixelflare/shared';
import type { Context } from 'hono';
import { ENGINE_DRAWS_WATERMARKS } from '../engines/capabilities';
import { engineNameFor, loadEngine } from '../engines/select';
import type { EngineName } from '../engines/types';
import { AppError, badRequest } from '../lib/errors';
import type { AppEnv } from '../lib/types';
import { clientIp } from '../middleware/client-ip';
import { createKvTokenBucket, type RateLimiter } from '../services/rate-limit/token-bucket';
import { fillCdnCache } from '../services/variants/cache-fill';
import { matchCdnCache, type CdnCacheEntry } from '../services/variants/cdn-cache';
import { findCdnImage, type CdnImage } from '../services/variants/lookup';
import { acceptClass, type AcceptClass } from '../services/variants/negotiate';
import { getStoredVariant, renderVariant, type VariantSpec } from '../services/variants/render';
import { resolveVariant, type VariantRequest } from '../services/variants/resolve';
import { verifyCdnSignature } from '../services/variants/signing';
import { customHostCdnPath, parseCdnPath, rawCdnPath, type CdnRoute } from './cdn-path';
import { customHostSite } from './custom-host';
import { enforceHotlink, varyOnReferer } from './hotlink';
import type { CustomHostOwner } from '../services/domains/host-cache';
import { attributeCdnAnswer } from './analytics';
import { enforceBandwidth } from './bandwidth';
import { readCachedStamp, stampCachedAnswer } from './stamp';
import { variantKey } from '../services/analytics/point';
import { serveEncrypted } from './encrypted';
import { serveOriginal } from './original';
import { originalsOf } from '../services/backups/originals';
import { backupSettingsOf } from '../services/backups/settings';
import { cdnNotFound, imageHeaders, matchesEtag, notModified, type ImageHeaders } from './responses';

type CdnContext = Context<AppEnv>;

/** A CDN request as its URL spells it: nothing here reads D1, R2 or the engine. */
interface CdnRequest {
  route: CdnRoute;
  /** Transform parameters: the query without the signature's `sig` and `exp`. */
  params: [string, string][];
  sig?: string;
  exp?: string;
  /** An encrypted image's access token (`?token=`); such requests are never cached. */
  token?: string;
  accept: AcceptClass;
  /** Where the answer is cached; absent for signed and byte-range requests, which never are. */
  cacheEntry?: CdnCacheEntry;
}

/**
 * `GET|HEAD /cdn/...`, in order: the Cache API (a hit touches nothing else), the request's variant (400 if
 * malformed), the image row (404 if gone), authorisation (403 if private and unsigned), then for a variant the
 * copy stored in R2 and only then the engine.
 */
export async function serveCdn(c: CdnContext): Promise<Response> {
  // On a custom domain, only its owner's images (a cached copy's stamp says whose it is).
  const site = await customHostSite(c);
  const request = readRequest(c, site);
  const variantName = variantKey(request.route.variant, request.params);
  if (request.cacheEntry) {
    const found = await matchCdnCache(caches.default, request.cacheEntry);
    const cached = found ? readCachedStamp(found.headers) : null;
    if (found && cached && (!site || cached.stamp.ownerSlug === site.ownerSlug)) {
      const { ownerSlug, ownerId, imageId } = cached.stamp;
      attributeCdnAnswer(c, { ownerId, imageId, variant: variantName });
      await enforceBandwidth(c, ownerSlug);
      const headers = withCacheStatus(cached.headers, 'hit');
      if (await enforceHotlink(c, ownerSlug)) varyOnReferer(headers);
      return respond(c, found.body, headers);
    }
  }
  // Validated only on a miss: an invalid request is never cached, so a hit needs no parsing.
  const variant = variantRequestOf(c, request);
  const image = await findCdnImage(c.get('db'), request.route.ref);
  if (!image || (site && image.ownerId !== site.ownerId)) throw cdnNotFound();
  const hotlinkProtected = await enforceHotlink(c, image.ownerSlug);
  attributeCdnAnswer(c, { ownerId: image.ownerId, imageId: image.id, variant: variantName });
  await enforceBandwidth(c, image.ownerSlug);
  if (image.isEncrypted)
    return serveEncrypted(c, image, request.route.variant, request.params, request.token);
  const ownerAccess = await authorise(c, request, image);
  const forced = forcedVariant(image, variant, ownerAccess);
  const response = forced
    ? await serveVariantOrRedirect(c, request, image, forced)
    : await serveOriginal(c, image, originalCacheControl(image));
  // A signed URL's answer is for whoever holds the URL, until it expires: never a shared or year-long copy, also
  // of a public image (share links hand those out). An `onerror` redirect stays `no-store`.
  if ((request.sig !== undefined || request.exp !== undefined) && response.status !== 302)
    response.headers.set('Cache-Control', signedAnswerCacheControl(request.exp, Date.now()));
  if (request.cacheEntry && !image.isPrivate && response.status === 200 && c.req.method === 'GET')
    c.executionCtx.waitUntil(
      fillCdnCache(
        c.get('db'),
        caches.default,
        request.cacheEntry,
        stampCachedAnswer(response.clone(), image),
        image,
      ),
    );
  // After the copy is filed: the Cache API entry is shared by every referrer (the check above runs on hits too).
  if (hotlinkProtected) varyOnReferer(response.headers);
  return response;
}

/**
 * What a request of an image in an album that forces a transform (a watermark) means: every public URL answers
 * with it, the plain original URL included (a full-size rendition in the original's format, so the cached copy,
 * filed without an `Accept` class, suits every client); a valid signature is the owner's own access and gets the
 * image as asked, unforced.
 */
function forcedVariant(
  image: CdnImage,
  variant: VariantRequest | undefined,
  ownerAccess: boolean,
): VariantRequest | undefined {
  if (ownerAccess) return variant ? { ...variant, unforced: true } : undefined;
  if (variant || !image.forcedTransform) return variant;
  return { query: { input: { format: FORCED_ORIGINAL_FORMATS[image.contentType] } } };
}

/** The format a forced original is answered in: its own, or PNG for a GIF (its first frame) and an SVG. */
const FORCED_ORIGINAL_FORMATS: Record<CdnImage['contentType'], 'jpeg' | 'png' | 'webp' | 'avif'> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/avif': 'avif',
  'image/gif': 'png',
  'image/svg+xml': 'png',
};

/** `private`, for at most the URL's remaining life (and never longer than a private image's hour). */
function signedAnswerCacheControl(exp: string | undefined, now: number): string {
  const remaining = Math.floor(Number(exp) - now / 1000);
  const maxAge = Math.max(0, Math.min(CACHE_TTL.cdnPrivate, Number.isFinite(remaining) ? remaining : 0));
  return `private, max-age=${maxAge}`;
}

const originalCacheControl = (image: CdnImage) =>
  image.isPrivate ? CDN_CACHE_CONTROL.private : CDN_CACHE_CONTROL.immutable;

function readRequest(c: CdnContext, site: CustomHostOwner | null): CdnRequest {
  const url = new URL(c.req.url);
  const route = parseCdnPath(site ? customHostCdnPath(url, site.ownerSlug) : rawCdnPath(url));
  if (!route) throw cdnNotFound();
  const signatureParams: readonly string[] = SIGNED_URL_PARAMS;
  const params = [...url.searchParams].filter(
    ([name]) => !signatureParams.includes(name) && name !== 'token',
  );
  const sig = url.searchParams.get('sig') ?? undefined;
  const exp = url.searchParams.get('exp') ?? undefined;
  const token = url.searchParams.get('token') ?? undefined;
  const accept = acceptClass(c.req.header('Accept'));
  const transformed = route.variant !== undefined || params.length > 0;
  const cacheable = sig === undefined && exp === undefined && token === undefined && !c.req.header('Range');
  const cacheEntry: CdnCacheEntry | undefined = cacheable
    ? {
        image: route.ref,
        variant: route.variant,
        query: canonicalCdnQuery(params),
        accept: transformed ? accept : null,
      }
    : undefined;
  return { route, params, sig, exp, token, accept, cacheEntry };
}

/** The variant the URL asks for, `undefined` for the original; 400 for a malformed query or unknown preset. */
function variantRequestOf(c: CdnContext, request: CdnRequest): VariantRequest | undefined {
  const parsed = parseTransformQuery(request.params);
  if (!parsed.ok) {
    throw badRequest(
      `Invalid transform: ${parsed.issues.map((issue) => issue.message).join('; ')}`,
      parsed.issues,
    );
  }
  const preset = request.route.variant;
  const enabled: readonly string[] = c.get('config').ALLOWED_VARIANTS ?? VARIANT_NAMES;
  if (preset !== undefined && !(isVariantName(preset) && enabled.includes(preset))) {
    throw badRequest(`Unknown variant "${preset}"; available: original, ${enabled.join(', ')}`, [
      { path: 'variant', message: `unknown variant "${preset}"` },
    ]);
  }
  if (preset === undefined && request.params.length === 0) return undefined;
  return { preset, query: request.params.length > 0 ? parsed : undefined };
}

/**
 * A private image needs a valid signature; with `REQUIRE_SIGNED_TRANSFORMS`, so do free-form parameters
 * (presets and `?t=` do not). True when the request carries a valid signature (the owner's own access, which an
 * album's forced transform does not apply to); a public image's invalid signature is ignored, as before.
 */
async function authorise(c: CdnContext, request: CdnRequest, image: CdnImage): Promise<boolean> {
  const config = c.get('config');
  const customParams = request.params.some(([name]) => name !== 't');
  const required = image.isPrivate || (config.REQUIRE_SIGNED_TRANSFORMS && customParams);
  const signed = request.sig !== undefined || request.exp !== undefined;
  if (!required && !(signed && image.forcedTransform)) return false;
  const check = await verifyCdnSignature({
    kv: c.env.KV,
    serverSecret: config.API_HASH_SECRET,
    ownerId: image.ownerId,
    path: request.route.canonicalPath,
    query: request.params,
    sig: request.sig,
    exp: request.exp,
    now: Date.now(),
  });
  if (check === 'valid') return true;
  if (!required) return false;
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

/** Failures of the transform itself, which `onerror=redirect` answers with the original: not the URL's mistakes. */
const TRANSFORM_FAILURES = new Set([422, 429, 500, 502, 503]);

/**
 * `onerror=redirect`: a transform that fails (the engine refusing the image, the image service failing or
 * timing out, the rate limit) answers 302 to the original instead, as Cloudflare Images does, never cached
 * (`no-store`: the next request tries the transform again). Only for images served without a signature: the
 * original of a private image needs a signature of its own, and minting one would hand the holder of a
 * signed transform (a thumbnail, a watermarked copy) the full original. Those get the error.
 */
async function serveVariantOrRedirect(
  c: CdnContext,
  request: CdnRequest,
  image: CdnImage,
  variant: VariantRequest,
): Promise<Response> {
  try {
    return await serveVariant(c, request, image, variant);
  } catch (error) {
    const status = error instanceof AppError ? error.status : 500;
    if (variant.query?.onError !== 'redirect' || image.isPrivate || !TRANSFORM_FAILURES.has(status))
      throw error;
    c.get('logger').warn('transform failed; redirecting to the original (onerror=redirect)', {
      status,
      error: String(error),
    });
    return new Response(null, {
      status: 302,
      headers: { Location: originalUrlOf(c.req.url, request.route), 'Cache-Control': 'no-store' },
    });
  }
}

/** The original's URL on the host the request came to: the variant segment and the query dropped. */
function originalUrlOf(requestUrl: string, route: CdnRoute): string {
  const url = new URL(requestUrl);
  const path = route.variant === undefined ? url.pathname : url.pathname.replace(/\/[^/]*$/, '');
  return `${url.origin}${path}`;
}

/** A preset or transform: the copy stored in R2, else rendered now (and stored). */
async function serveVariant(
  c: CdnContext,
  request: CdnRequest,
  image: CdnImage,
  variant: VariantRequest,
): Promise<Response> {
  const engine = engineNameFor(c.get('config').IMAGE_ENGINE, c.env.IMAGES);
  const spec = await resolveVariant(c.get('db'), image, variant, { accept: request.accept, engine });
  // SVG is vector and served as drawn; passthrough deployments serve every variant as the original. Neither can
  // carry a watermark, and a watermarked request never gets the bytes without it.
  if (image.contentType === 'image/svg+xml' || !ENGINE_DRAWS_WATERMARKS[engine]) {
    if (spec.transform.watermark) throw cannotWatermark(image, engine);
    return serveOriginal(c, image, originalCacheControl(image));
  }
  const common: Pick<ImageHeaders, 'cacheControl' | 'varyAccept'> = {
    // A forced watermark can be replaced: its answers are kept for a day, not a year.
    cacheControl: image.isPrivate
      ? CDN_CACHE_CONTROL.private
      : variant.query || (image.forcedTransform && !variant.unforced)
        ? CDN_CACHE_CONTROL.transform
        : CDN_CACHE_CONTROL.immutable,
    varyAccept: spec.transform.format === 'auto',
  };
  const stored = await getStoredVariant(c.env.IMAGES_BUCKET, image, spec);
  if (stored) {
    const headers = imageHeaders({
      ...common,
      contentType: stored.httpMetadata?.contentType ?? 'application/octet-stream',
      etag: stored.httpEtag,
      length: stored.size,
      cacheStatus: 'stored',
    });
    return respond(c, stored.body, headers);
  }
  const rendered = await render(c, image, spec, engine);
  const headers = imageHeaders({
    ...common,
    contentType: rendered.contentType,
    etag: rendered.etag,
    length: rendered.bytes.byteLength,
    cacheStatus: 'miss',
  });
  return respond(c, rendered.bytes, headers);
}

function cannotWatermark(image: CdnImage, engine: EngineName): AppError {
  const why =
    image.contentType === 'image/svg+xml'
      ? 'An SVG is served as drawn and cannot carry a watermark'
      : `This server's image engine (${engine}) cannot draw watermarks`;
  return new AppError(422, 'UNPROCESSABLE_IMAGE', why, undefined, { 'Cache-Control': 'no-store' });
}

let limiter: RateLimiter | undefined;

/** Runs the engine, within the per-client transform rate limit; the `image_variants` row is written after. */
async function render(c: CdnContext, image: CdnImage, spec: VariantSpec, engineName: EngineName) {
  if (c.get('config').RATE_LIMIT_ENABLED) {
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
  const engine = await loadEngine(engineName, c.env.IMAGES);
  const bucket = c.env.IMAGES_BUCKET;
  // The original is read from R2, or from the owner's bucket (bring your own storage: a 502 when unreachable).
  const originals = await originalsOf(
    { db: c.get('db'), bucket, settings: backupSettingsOf(c.get('config')) },
    image,
  );
  return renderVariant(
    {
      db: c.get('db'),
      bucket,
      engine,
      originals,
      watermarkOriginals: (watermark) =>
        originalsOf({ db: c.get('db'), bucket, settings: backupSettingsOf(c.get('config')) }, watermark),
      defer: (work) => c.executionCtx.waitUntil(work),
    },
    image,
    spec,
  );
}

function withCacheStatus(cached: Headers, status: ImageHeaders['cacheStatus']): Headers {
  const headers = new Headers(cached);
  headers.set('X-Cache', status);
  return headers;
}

/** Answers with the body unless the client already has it; HEAD never gets a body. */
function respond(c: CdnContext, body: BodyInit | null, headers: Headers): Response {
  if (matchesEtag(c.req.header('If-None-Match'), headers.get('ETag'))) return notModified(headers);
  return new Response(c.req.method === 'HEAD' ? null : body, { headers });
}
