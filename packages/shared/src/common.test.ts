import { PAGINATION } from '@pixelflare/config';
import { describe, expect, it } from 'vitest';
import { CursorPaginationQuery, QueryBoolean, mapPage, pageOf } from './common';
import { isErrorBody } from './errors';

describe('query parsing shared by API and dashboard', () => {
  it('defaults the page size and refuses one above the maximum', () => {
    expect(CursorPaginationQuery.parse({}).limit).toBe(PAGINATION.defaultLimit);
    expect(CursorPaginationQuery.parse({ limit: '7' }).limit).toBe(7);
    expect(CursorPaginationQuery.safeParse({ limit: String(PAGINATION.maxLimit + 1) }).success).toBe(false);
    expect(CursorPaginationQuery.safeParse({ limit: '0' }).success).toBe(false);
  });

  it('accepts only explicit booleans in query strings', () => {
    expect(QueryBoolean.parse('true')).toBe(true);
    expect(QueryBoolean.parse('0')).toBe(false);
    expect(QueryBoolean.safeParse('yes').success).toBe(false);
  });

  it('recognises the error envelope and only known codes', () => {
    expect(
      isErrorBody({ error: { code: 'NOT_FOUND', message: 'Image not found', requestId: 'req_1' } }),
    ).toBe(true);
    expect(isErrorBody({ error: { code: 'MADE_UP', message: 'x' } })).toBe(false);
    expect(isErrorBody({ success: false })).toBe(false);
  });
});

describe('pages', () => {
  it('names the last row as the cursor only when a row past the limit was read', async () => {
    const cursorOf = (row: { id: string }) => row.id;
    const rows = ['a', 'b', 'c'].map((id) => ({ id }));
    expect(pageOf(rows, 2, cursorOf)).toEqual({ data: rows.slice(0, 2), next_cursor: 'b' });
    expect(pageOf(rows, 3, cursorOf)).toEqual({ data: rows, next_cursor: null });
    expect(pageOf([], 3, cursorOf)).toEqual({ data: [], next_cursor: null });
    const page = await mapPage(pageOf(rows, 2, cursorOf), async (items) => items.map((row) => row.id));
    expect(page).toEqual({ data: ['a', 'b'], next_cursor: 'b' });
  });
});
