import { ANALYTICS_FIELD_LIMITS } from '@pixelflare/config';

/** How an answer was produced, as the `X-Cache` header says; `none` for an error that served no image. */
export type CacheOutcome = 'hit' | 'stored' | 'miss' | 'original' | 'none';

/** One CDN answer, as every sink records it. */
export interface CdnAnswerPoint {
  /** Epoch milliseconds when the request arrived. */
  timestamp: number;
  /** Empty when the request named no live image (a 404 or a malformed URL). */
  ownerId: string;
  imageId: string;
  /** `original`, a preset name, `t:<named transform>` or `transform` (query-string parameters). */
  variant: string;
  status: number;
  /** Body bytes sent: 0 for HEAD and 304. */
  bytes: number;
  cache: CacheOutcome;
  /** The engine that rendered a miss; empty otherwise. */
  engine: string;
  /** ISO 3166 alpha-2 from `request.cf.country`, `XX` when unknown. */
  country: string;
  /** The Referer's host name only (never its path or query); empty when absent. */
  referrer: string;
  /** The Content-Type served (`image/avif`...); empty for an error. */
  format: string;
  durationMs: number;
}

/**
 * The Analytics Engine layout of a point. The index (the sampling key) is the owner, so each account's numbers
 * are sampled on their own. Changing a position breaks every query over older points: append, never reorder.
 */
export const ENGINE_LAYOUT = {
  index1: 'ownerId',
  blobs: ['imageId', 'variant', 'cache', 'country', 'referrer', 'format', 'engine'],
  doubles: ['bytes', 'status', 'durationMs', 'hit'],
} as const;

export function toDataPoint(point: CdnAnswerPoint): AnalyticsEngineDataPoint {
  return {
    indexes: [point.ownerId],
    blobs: [
      point.imageId,
      point.variant,
      point.cache,
      point.country,
      point.referrer,
      point.format,
      point.engine,
    ],
    doubles: [point.bytes, point.status, point.durationMs, point.cache === 'hit' ? 1 : 0],
  };
}

/** The host of a Referer header, lower-cased; empty when absent or not an http(s) URL. */
export function referrerHost(referer: string | null | undefined): string {
  if (!referer) return '';
  try {
    const url = new URL(referer);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return '';
    return url.hostname.toLowerCase().slice(0, ANALYTICS_FIELD_LIMITS.referrer);
  } catch {
    return '';
  }
}

/** A two-letter country code, `XX` for anything else (Cloudflare's `T1` for Tor is kept: it is two letters). */
export function countryCode(country: unknown): string {
  return typeof country === 'string' && /^[A-Z0-9]{2}$/.test(country) ? country : 'XX';
}

const CACHE_OUTCOMES: readonly string[] = ['hit', 'stored', 'miss', 'original'];

export function cacheOutcome(xCache: string | null): CacheOutcome {
  return xCache && CACHE_OUTCOMES.includes(xCache) ? (xCache as CacheOutcome) : 'none';
}

/** The variant key of a CDN URL: its preset, a named transform, `transform`, or `original`. */
export function variantKey(preset: string | undefined, params: [string, string][]): string {
  if (preset) return preset.slice(0, ANALYTICS_FIELD_LIMITS.variant);
  if (params.length === 0) return 'original';
  const named = params.length === 1 && params[0]![0] === 't' ? params[0]![1] : undefined;
  return named ? `t:${named}`.slice(0, ANALYTICS_FIELD_LIMITS.variant) : 'transform';
}

/** An image Content-Type as served, empty for anything else (a JSON error). */
export function servedFormat(contentType: string | null): string {
  if (!contentType?.startsWith('image/')) return '';
  return contentType.split(';')[0]!.trim().slice(0, ANALYTICS_FIELD_LIMITS.format);
}
