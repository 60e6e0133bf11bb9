import { describe, expect, it } from 'vitest';
import { formatBytes, formatDateTime, formatNumber, formatRelativeTime, percentOf } from './format';

describe('format', () => {
  it('words byte sizes in SI units with the language’s digits and unit names', () => {
    expect(formatBytes(999, 'en')).toBe('999 byte');
    expect(formatBytes(1500, 'en')).toBe('1.5 kB');
    expect(formatBytes(25_000_000, 'en')).toBe('25 MB');
    expect(formatBytes(1500, 'de')).toBe('1,5 kB');
    expect(formatBytes(2_340_000_000, 'fr')).toBe('2,3\u202fGo');
  });
  it('uses the active language by default (English in unit tests)', () => {
    expect(formatBytes(1500)).toBe('1.5 kB');
    expect(formatNumber(1234567)).toBe('1,234,567');
  });
  it('words dates and relative times through Intl', () => {
    const now = Date.UTC(2026, 11, 3, 12);
    expect(formatRelativeTime(now - 3 * 86_400_000, now, 'en')).toBe('3 days ago');
    expect(formatRelativeTime(now - 86_400_000, now, 'de')).toBe('gestern');
    expect(formatRelativeTime(now + 2 * 3_600_000, now, 'ja')).toBe('2 時間後');
    expect(formatRelativeTime(now - 30_000, now, 'en')).toBe('30 seconds ago');
    expect(formatDateTime(now, 'de')).toMatch(/^03\.12\.2026, \d\d:00$/);
  });
  it('caps usage at 100% and treats a zero limit as 0%', () => {
    expect(percentOf(50, 200)).toBe(25);
    expect(percentOf(300, 200)).toBe(100);
    expect(percentOf(5, 0)).toBe(0);
  });
});
