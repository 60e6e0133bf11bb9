import { SHARE_LINK_LIMITS, SHARE_LINK_STATES } from '@pixelflare/config';
import { describe, expect, it } from 'vitest';
import { SHARE_EXPIRY_CHOICES, shareStateLabel, shareViewsLabel } from './share-links';

describe('share link labels', () => {
  it('counts views against the limit when there is one', () => {
    expect(shareViewsLabel({ views: 3, max_views: null })).toBe('3 views');
    expect(shareViewsLabel({ views: 1, max_views: 1 })).toBe('1 of 1 views');
  });

  it('names every state', () => {
    expect(SHARE_LINK_STATES.map(shareStateLabel)).toEqual(['Active', 'Expired', 'Used up', 'Revoked']);
  });

  it('offers only expiries the API accepts, and never', () => {
    const { minExpirySeconds, maxExpirySeconds } = SHARE_LINK_LIMITS;
    const seconds = SHARE_EXPIRY_CHOICES.map((choice) => choice.seconds);
    expect(
      seconds
        .filter((value) => value !== 0)
        .every((value) => value >= minExpirySeconds && value <= maxExpirySeconds),
    ).toBe(true);
    expect(seconds).toContain(0);
  });
});
