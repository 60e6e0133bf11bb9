import { describe, expect, it } from 'vitest';
import type { ImageResource } from '@pixelflare/shared';
import { previewsExpired, withImage } from './previews';

const previews = (expires_at: string | null) => ({ previews: { thumb: 't', w256: 'w', expires_at } });

describe('previews', () => {
  it('are asked for again only once their signed URLs have expired', () => {
    const now = Date.parse('2026-12-02T10:00:00Z');
    expect(previewsExpired(previews(null), now)).toBe(false);
    expect(previewsExpired(previews('2026-12-02T11:00:00Z'), now)).toBe(false);
    expect(previewsExpired(previews('2026-12-02T10:00:00Z'), now)).toBe(true);
    expect(previewsExpired(previews('2026-12-02T09:00:00Z'), now)).toBe(true);
  });

  it('replace one image in a list, in place', () => {
    const list = [{ id: 'a', title: 'old' }, { id: 'b' }] as ImageResource[];
    const fresh = { id: 'a', title: 'new' } as ImageResource;
    expect(withImage(list, fresh)).toEqual([fresh, list[1]]);
  });
});
