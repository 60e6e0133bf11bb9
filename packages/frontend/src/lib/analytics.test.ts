import { describe, expect, it } from 'vitest';
import { countryName, formatRatio, hasTraffic, seriesColumns } from './analytics';

describe('analytics formatting', () => {
  it('formats hit ratios as percentages, a dash without requests', () => {
    expect(formatRatio(0.7059, 'en-US')).toBe('70.6%');
    expect(formatRatio(null, 'en-US')).toBe('–');
  });

  it('names countries, and leaves unknown ones blank', () => {
    expect(countryName('DE', 'en')).toBe('Germany');
    expect(countryName('XX', 'en')).toBe('');
  });

  it('turns points into uPlot columns', () => {
    const points = [
      { t: '2026-12-01T00:00:00.000Z', requests: 4, bandwidth: 100, hits: 1 },
      { t: '2026-12-02T00:00:00.000Z', requests: 0, bandwidth: 0, hits: 0 },
    ];
    expect(seriesColumns(points)).toEqual({
      x: [Date.parse('2026-12-01T00:00:00Z') / 1000, Date.parse('2026-12-02T00:00:00Z') / 1000],
      requests: [4, 0],
      bandwidth: [100, 0],
      hitRatio: [0.25, null],
    });
    expect(hasTraffic(points)).toBe(true);
    expect(hasTraffic([points[1]!])).toBe(false);
  });
});
