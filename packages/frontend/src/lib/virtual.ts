/** Which rows of a fixed-size grid to render for a scroll position, with a few rows of overscan either side. */
export function visibleRange(input: {
  itemCount: number;
  columns: number;
  rowHeight: number;
  scrollTop: number;
  viewportHeight: number;
  overscanRows?: number;
}): { start: number; end: number; totalHeight: number; offsetTop: number } {
  const { itemCount, rowHeight, scrollTop, viewportHeight, overscanRows = 3 } = input;
  const columns = Math.max(1, input.columns);
  const rowCount = Math.ceil(itemCount / columns);
  const firstRow = Math.max(0, Math.floor(scrollTop / rowHeight) - overscanRows);
  const lastRow = Math.min(rowCount, Math.ceil((scrollTop + viewportHeight) / rowHeight) + overscanRows);
  return {
    start: firstRow * columns,
    end: Math.min(itemCount, lastRow * columns),
    totalHeight: rowCount * rowHeight,
    offsetTop: firstRow * rowHeight,
  };
}
