import { describe, expect, it } from 'vitest';
import { visibleRange } from './virtual';

describe('visibleRange', () => {
  it('renders only the rows in view plus overscan, however many items there are', () => {
    const range = visibleRange({
      itemCount: 10_000,
      columns: 5,
      rowHeight: 200,
      scrollTop: 100_000,
      viewportHeight: 800,
      overscanRows: 2,
    });
    // Row 500 is at the top of the viewport; rows 498..506 are rendered.
    expect(range).toEqual({ start: 498 * 5, end: 506 * 5, totalHeight: 2000 * 200, offsetTop: 498 * 200 });
  });

  it('clamps at both ends', () => {
    expect(
      visibleRange({ itemCount: 7, columns: 3, rowHeight: 100, scrollTop: 0, viewportHeight: 1000 }),
    ).toEqual({
      start: 0,
      end: 7,
      totalHeight: 300,
      offsetTop: 0,
    });
    expect(
      visibleRange({ itemCount: 0, columns: 0, rowHeight: 100, scrollTop: 0, viewportHeight: 500 }).end,
    ).toBe(0);
  });
});
