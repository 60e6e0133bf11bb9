import { intlLocale } from '@pixelflare/i18n';

export function formatRatio(ratio: number | null, locale: string = intlLocale()): string {
  if (ratio === null) return '–';
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(ratio);
}

/** A country's name in the reader's language, the code itself when the runtime does not know it. */
export function countryName(code: string, locale: string = intlLocale()): string {
  if (code === 'XX') return '';
  try {
    return new Intl.DisplayNames([locale], { type: 'region' }).of(code) ?? code;
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
