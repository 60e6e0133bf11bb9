import type { Context } from 'hono';
import type { AppEnv } from '../lib/types';
import { originalsOf } from '../services/backups/originals';
import { backupSettingsOf } from '../services/backups/settings';
import type { CdnImage } from '../services/variants/lookup';
import { cdnNotFound, imageHeaders, matchesEtag, notModified, parseRange } from './responses';

/** The original, with byte ranges. Range answers bypass the Cache API (it stores whole objects only). */
export async function serveOriginal(
  c: Context<AppEnv>,
  image: CdnImage,
  cacheControl: string,
): Promise<Response> {
  // R2, or the owner's own bucket (bring your own storage): unreachable is a 502 with no-store, never a fallback.
  const bucket = await originalsOf(
    { db: c.get('db'), bucket: c.env.IMAGES_BUCKET, settings: backupSettingsOf(c.get('config')) },
    image,
  );
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
