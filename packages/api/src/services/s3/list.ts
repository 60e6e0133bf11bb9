import { type Database } from '@pixelflare/database';
import { sql } from 'drizzle-orm';
import { fromBase64Url, toBase64Url } from '../../lib/crypto';
import { S3Error } from './xml';

export const MAX_LIST_KEYS = 1000;

export interface ListInput {
  ownerId: string;
  prefix: string;
  /** Only `/` groups (albums are the only folders); any other delimiter is ignored like a missing one. */
  delimiter: string | null;
  maxKeys: number;
  /** Entries strictly after this one (StartAfter, Marker or the continuation token, whichever is last). */
  after: string;
}

export interface ListedObject {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
}

export interface ListResult {
  objects: ListedObject[];
  /** Albums as `{slug}/`, when the delimiter is `/` and the prefix is not inside an album. */
  prefixes: string[];
  truncated: boolean;
  /** The last entry (object key or prefix) of this page, which the next one starts after. */
  last: string | null;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
export const continuationTokenOf = (entry: string) => toBase64Url(encoder.encode(entry));
export function entryOfToken(token: string): string {
  try {
    return decoder.decode(fromBase64Url(token));
  } catch {
    throw new S3Error(400, 'InvalidArgument', 'The continuation token provided is incorrect');
  }
}

/**
 * One page of the owner's live images as S3 entries, in UTF-8 byte order (SQLite's text order). Each image is
 * the key `{album}/{filename}` (`{filename}` in the default album); with the `/` delimiter at the top level an
 * album collapses into its prefix `{album}/`. One grouped query with five bound parameters, whatever max-keys is.
 */
export async function listObjectEntries(db: Database, input: ListInput): Promise<ListResult> {
  const key = sql`(CASE WHEN album_slug = 'default' THEN filename ELSE album_slug || '/' || filename END)`;
  const grouped = input.delimiter === '/' && !input.prefix.includes('/');
  const entry = grouped
    ? sql`(CASE WHEN album_slug = 'default' THEN filename ELSE album_slug || '/' END)`
    : key;
  if (input.maxKeys === 0) return { objects: [], prefixes: [], truncated: false, last: null };
  const rows = await db.all<{
    entry: string;
    size: number;
    etag: string | null;
    modified: number;
    n: number;
  }>(sql`
    SELECT ${entry} AS entry, MIN(bytes) AS size, MIN(content_hash) AS etag, MAX(created_at) AS modified,
      COUNT(*) AS n
    FROM images
    WHERE owner_id = ${input.ownerId} AND deleted_at IS NULL AND status = 'ready'
      AND substr(${key}, 1, length(${input.prefix})) = ${input.prefix}
      AND ${entry} > ${input.after}
    GROUP BY entry
    ORDER BY entry
    LIMIT ${input.maxKeys + 1}`);
  const page = rows.slice(0, input.maxKeys);
  const objects: ListedObject[] = [];
  const prefixes: string[] = [];
  for (const row of page) {
    if (grouped && row.entry.endsWith('/')) prefixes.push(row.entry);
    else {
      objects.push({
        key: row.entry,
        size: row.size,
        etag: row.etag ?? '',
        lastModified: new Date(row.modified),
      });
    }
  }
  return {
    objects,
    prefixes,
    truncated: rows.length > input.maxKeys,
    last: page.at(-1)?.entry ?? null,
  };
}
