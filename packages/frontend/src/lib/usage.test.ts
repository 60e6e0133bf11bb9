import { PLANS } from '@pixelflare/config';
import { describe, expect, it } from 'vitest';
import { usageLevel, usageLines } from './usage';

const usage = (images: number, bandwidth: number, bandwidthLimit: number | null) => ({
  plan: 'free',
  enforced: true,
  images: { used: images, limit: PLANS.free.maxImages },
  bytes: { used: 0, limit: PLANS.free.maxBytes },
  period: { start: '2026-12-01', end: '2027-01-01' },
  storage: { originals: 0, renditions: 0 },
  bandwidth: { used: bandwidth, limit: bandwidthLimit, over: false, policy: 'block' as const },
  transforms: 0,
  requests: 0,
  rate_limit_multiplier: 1,
});

describe('usage on the overview', () => {
  it('warns from 80 % of a limit and says when it is reached; no limit never warns', () => {
    expect([usageLevel(79, 100), usageLevel(80, 100), usageLevel(100, 100), usageLevel(5, null)]).toEqual([
      'ok',
      'near',
      'reached',
      'ok',
    ]);
  });

  it('shows images, storage and bandwidth with their limits and shares', () => {
    const lines = usageLines(usage(85, 2_000_000_000, null));
    expect(lines.map((line) => [line.key, line.used, line.limit, line.percent, line.level])).toEqual([
      ['images', '85', '100', 85, 'near'],
      ['storage', '0 byte', '1.1 GB', 0, 'ok'],
      ['bandwidth', '2.0 GB', null, null, 'ok'],
    ]);
  });
});
