// Sizes, dates, numbers and relative times, all through `Intl` in the dashboard's active language (the
// `locale` argument is for tests and for callers that know better).
import { intlLocale } from '@pixelflare/i18n';

const BYTE_UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte', 'petabyte'] as const;

/** Byte sizes in SI units (1 kB = 1000 B), as file managers show them, with the language's digits and unit names. */
export function formatBytes(bytes: number, locale: string = intlLocale()): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 ? 0 : value < 10 ? 1 : 0;
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: BYTE_UNITS[unit],
    unitDisplay: 'short',
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  }).format(value);
}

export function formatNumber(value: number, locale: string = intlLocale()): string {
  return new Intl.NumberFormat(locale).format(value);
}

/** A moment as date and time ("3 Dec 2026, 17:11" in en-GB), in the reader's time zone. */
export function formatDateTime(when: string | number | Date, locale: string = intlLocale()): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(when));
}

export function formatDate(when: string | number | Date, locale: string = intlLocale()): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(new Date(when));
}

const RELATIVE_STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 7],
  ['week', 4.35],
  ['month', 12],
  ['year', Infinity],
];

/** How long ago or ahead a moment is ("3 days ago", "in 2 hours", "yesterday"), in the largest fitting unit. */
export function formatRelativeTime(
  when: string | number | Date,
  now: number = Date.now(),
  locale: string = intlLocale(),
): string {
  let value = (new Date(when).getTime() - now) / 1000;
  for (const [unit, size] of RELATIVE_STEPS) {
    if (Math.abs(value) < size)
      return new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }).format(Math.round(value), unit);
    value /= size;
  }
  return formatDateTime(when, locale);
}

export function percentOf(used: number, limit: number): number {
  return limit > 0 ? Math.min(100, Math.floor((used / limit) * 100)) : 0;
}
