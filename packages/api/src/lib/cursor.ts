import { badRequest } from './errors';
import { toBase64Url } from './crypto';

/** Keyset cursor: the last row's sort value and id, so pages stay stable while images are added. */
export interface Cursor {
  v: number | string;
  id: string;
}

export function encodeCursor(cursor: Cursor): string {
  return toBase64Url(new TextEncoder().encode(JSON.stringify(cursor)));
}

export const invalidCursor = () =>
  badRequest('Invalid cursor: pass next_cursor from the previous page unchanged');

export function decodeCursor(raw: string): Cursor {
  try {
    const json = atob(raw.replaceAll('-', '+').replaceAll('_', '/'));
    const cursor = JSON.parse(json) as Cursor;
    if ((typeof cursor.v === 'number' || typeof cursor.v === 'string') && typeof cursor.id === 'string')
      return cursor;
  } catch {
    // fall through
  }
  throw invalidCursor();
}
