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
import { parseCdnPath, rawCdnPath } from './cdn-path';

/** Whose image an answer served, and as which variant: set by serveCdn once it knows. */
export interface CdnAttribution {
  ownerId: string;
  imageId: string;
  /** `variantKey` of the request as serveCdn read it (a custom host's path differs from `/cdn/...`). */
  variant: string;
}

const attributions = new WeakMap<Request, CdnAttribution>();
const sinks = new WeakMap<object, AnalyticsSink>();

/** Attributes this request's answer to an image (its row on a miss, the cached copy's stamp on a hit). */
export function attributeCdnAnswer(c: Context<AppEnv>, attribution: CdnAttribution): void {
  attributions.set(c.req.raw, attribution);
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

async function record(c: Context<AppEnv>, point: CdnAnswerPoint, attribution: CdnAttribution | undefined) {
  if (attribution) Object.assign(point, attribution);
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
