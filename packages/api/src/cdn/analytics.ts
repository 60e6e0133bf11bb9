import { createMiddleware } from 'hono/factory';
import type { Context } from 'hono';
import { engineNameFor } from '../engines/select';
import type { AppEnv } from '../lib/types';
import {
  cacheOutcome,
  countryCode,
  referrerHost,
  servedFormat,
  variantKey,
  type CdnAnswerPoint,
} from '../services/analytics/point';
import { createSink, type AnalyticsSink } from '../services/analytics/sink';
import { findCdnImage } from '../services/variants/lookup';
import { parseCdnPath, rawCdnPath } from './cdn-path';

/** Whose image an answer served: set by serveCdn once it knows (the row on a miss, the stamp on a hit). */
interface Attribution {
  ownerId: string;
  imageId: string;
}

const attributions = new WeakMap<Request, Attribution>();
const sinks = new WeakMap<object, AnalyticsSink>();

/**
 * A cached answer carries whose image it is in this header, so a Cache API hit is counted without reading D1.
 * It is removed before the answer leaves (unstampCachedAnswer).
 */
const STAMP_HEADER = 'X-Pixelflare-Analytics';

export function attributeCdnAnswer(c: Context<AppEnv>, image: { ownerId: string; id: string }): void {
  attributions.set(c.req.raw, { ownerId: image.ownerId, imageId: image.id });
}

/** The copy filed in the Cache API, stamped with its owner and image. */
export function stampCachedAnswer(response: Response, image: { ownerId: string; id: string }): Response {
  const headers = new Headers(response.headers);
  headers.set(STAMP_HEADER, `${image.ownerId} ${image.id}`);
  return new Response(response.body, { status: response.status, headers });
}

/** A cached answer's headers without the stamp, which attributes this request. */
export function unstampCachedAnswer(c: Context<AppEnv>, cached: Headers): Headers {
  const stamp = cached.get(STAMP_HEADER);
  if (!stamp) return cached;
  const [ownerId, imageId] = stamp.split(' ');
  if (ownerId && imageId) attributions.set(c.req.raw, { ownerId, imageId });
  const headers = new Headers(cached);
  headers.delete(STAMP_HEADER);
  return headers;
}

function sinkFor(c: Context<AppEnv>): AnalyticsSink {
  let sink = sinks.get(c.env);
  if (!sink) {
    sink = createSink(c.get('config').ANALYTICS_SINK, c.env);
    sinks.set(c.env, sink);
  }
  return sink;
}

/**
 * Counts every CDN answer (hit or miss, original or rendition, 2xx, 304 or an error) with one point in the
 * configured sink, after the answer is made and off its path (`waitUntil`): a sink that throws or hangs is
 * logged and never delays or changes the answer.
 */
export const recordCdnAnswers = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.get('config').ANALYTICS_ENABLED) return next();
  const started = Date.now();
  await next();
  try {
    const point = pointOf(c, started);
    const attribution = attributions.get(c.req.raw);
    c.executionCtx.waitUntil(
      record(c, point, attribution).catch((error: unknown) =>
        c.get('logger').warn('analytics sink failed; the answer was not counted', { error: String(error) }),
      ),
    );
  } catch (error) {
    c.get('logger').warn('analytics point not built', { error: String(error) });
  }
});

async function record(c: Context<AppEnv>, point: CdnAnswerPoint, attribution: Attribution | undefined) {
  if (attribution) {
    point.ownerId = attribution.ownerId;
    point.imageId = attribution.imageId;
  } else if (point.cache === 'hit') {
    // A hit on an answer cached before stamps existed: find its image here, off the response path.
    const route = parseCdnPath(rawCdnPath(new URL(c.req.url)));
    const image = route ? await findCdnImage(c.get('db'), route.ref) : null;
    if (image) {
      point.ownerId = image.ownerId;
      point.imageId = image.id;
    }
  }
  await sinkFor(c).record(point);
}

function pointOf(c: Context<AppEnv>, started: number): CdnAnswerPoint {
  const url = new URL(c.req.url);
  const route = parseCdnPath(rawCdnPath(url));
  const params = [...url.searchParams].filter(([name]) => !['sig', 'exp', 'token'].includes(name));
  const response = c.res;
  const cache = cacheOutcome(response.headers.get('X-Cache'));
  const bodyless = c.req.method === 'HEAD' || response.status === 304;
  const cf = c.req.raw.cf as { country?: unknown } | undefined;
  return {
    timestamp: started,
    ownerId: '',
    imageId: '',
    variant: variantKey(route?.variant, params),
    status: response.status,
    bytes: bodyless ? 0 : Number(response.headers.get('Content-Length') ?? 0) || 0,
    cache,
    engine: cache === 'miss' ? engineNameFor(c.get('config').IMAGE_ENGINE, c.env.IMAGES) : '',
    country: countryCode(cf?.country),
    referrer: referrerHost(c.req.header('Referer')),
    format: servedFormat(response.headers.get('Content-Type')),
    durationMs: Date.now() - started,
  };
}

/** Which sink counts CDN answers, for /v1/analytics and the dashboard. */
export const analyticsSinkName = (c: Context<AppEnv>) => c.get('config').ANALYTICS_SINK;
