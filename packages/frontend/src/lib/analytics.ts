/** Numbers on the analytics page, in the reader's locale (`undefined`: the browser's). */
export function formatCount(value: number, locale?: string): string {
  return new Intl.NumberFormat(locale).format(value);
}

/** Bytes in SI units (1 kB = 1000 B) with the locale's digits and separators. */
export function formatByteCount(bytes: number, locale?: string): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 ? 0 : value < 10 ? 1 : 0;
  const number = new Intl.NumberFormat(locale, {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
  return `${number.format(value)} ${units[unit]}`;
}

export function formatRatio(ratio: number | null, locale?: string): string {
  if (ratio === null) return '–';
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(ratio);
}

/** A country's name in the reader's language, the code itself when the runtime does not know it. */
export function countryName(code: string, locale?: string): string {
  if (code === 'XX') return '';
  try {
    return new Intl.DisplayNames(locale ? [locale] : undefined, { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}

interface Point {
  t: string;
  requests: number;
  bandwidth: number;
  hits: number;
}

/** uPlot's columnar data: x in seconds, then one column per series. */
export function seriesColumns(points: Point[]) {
  return {
    x: points.map((point) => Date.parse(point.t) / 1000),
    requests: points.map((point) => point.requests),
    bandwidth: points.map((point) => point.bandwidth),
    hitRatio: points.map((point) => (point.requests > 0 ? point.hits / point.requests : null)),
  };
}

export const hasTraffic = (points: { requests: number }[]) => points.some((point) => point.requests > 0);
