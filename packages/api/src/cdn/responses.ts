import { CDN_CACHE_CONTROL } from '@pixelflare/config';
import { AppError } from '../lib/errors';

/** The CDN's 404: cached briefly so a storm of misses does not reach D1. */
export const cdnNotFound = () =>
  new AppError(404, 'NOT_FOUND', 'Image not found', undefined, {
    'Cache-Control': CDN_CACHE_CONTROL.notFound,
  });

export interface ImageHeaders {
  contentType: string;
  etag: string;
  cacheControl: string;
  /** Set when the format was negotiated from `Accept`. */
  varyAccept?: boolean;
  length?: number;
  cacheStatus: 'hit' | 'stored' | 'miss' | 'original';
}

export function imageHeaders(options: ImageHeaders): Headers {
  const headers = new Headers({
    'Content-Type': options.contentType,
    ETag: options.etag,
    'Cache-Control': options.cacheControl,
    'X-Cache': options.cacheStatus,
  });
  if (options.varyAccept) headers.set('Vary', 'Accept');
  if (options.length !== undefined) headers.set('Content-Length', String(options.length));
  return headers;
}

/** True when `If-None-Match` names this ETag (weak comparison, as RFC 9110 asks for this header). */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string | null): boolean {
  if (!ifNoneMatch || !etag) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag));
}

/** 304 keeps the headers a cache needs to refresh its copy. */
export function notModified(headers: Headers): Response {
  const kept = new Headers();
  for (const name of ['ETag', 'Cache-Control', 'Vary', 'Content-Type', 'X-Cache']) {
    const value = headers.get(name);
    if (value) kept.set(name, value);
  }
  return new Response(null, { status: 304, headers: kept });
}

export type ByteRange = { offset: number; length: number };

/** One `bytes=` range of a `size`-byte object; `null` when absent, `'unsatisfiable'` when out of bounds. */
export function parseRange(header: string | undefined, size: number): ByteRange | null | 'unsatisfiable' {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  if (match[1] === '') {
    const suffix = Math.min(Number(match[2]), size);
    return suffix === 0 ? 'unsatisfiable' : { offset: size - suffix, length: suffix };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { offset: start, length: end - start + 1 };
}
