import { describe, expect, it } from 'vitest';
import type { AlbumResource, ImageResource } from '@pixelflare/shared';
import { coverExpired, previewsExpired, withFresh } from './previews';

const previews = (expires_at: string | null) => ({ previews: { thumb: 't', w256: 'w', expires_at } });

describe('previews', () => {
  it('are asked for again only once their signed URLs have expired', () => {
    const now = Date.parse('2026-12-02T10:00:00Z');
    expect(previewsExpired(previews(null), now)).toBe(false);
    expect(previewsExpired(previews('2026-12-02T11:00:00Z'), now)).toBe(false);
    expect(previewsExpired(previews('2026-12-02T10:00:00Z'), now)).toBe(true);
    expect(previewsExpired(previews('2026-12-02T09:00:00Z'), now)).toBe(true);
    // An encrypted image has none (its token URLs are asked for apart): never re-read for them.
    expect(previewsExpired({ previews: null }, now)).toBe(false);
  });

  it('ask for an album again only once its signed cover has expired', () => {
    const now = Date.parse('2026-12-02T10:00:00Z');
    const cover = (expires_at: string | null) => ({ cover: { id: 'img', thumb_url: 't', expires_at } });
    expect(coverExpired({ cover: null }, now)).toBe(false);
    expect(coverExpired(cover(null), now)).toBe(false);
    expect(coverExpired(cover('2026-12-02T11:00:00Z'), now)).toBe(false);
    expect(coverExpired(cover('2026-12-02T10:00:00Z'), now)).toBe(true);
  });

  it('replace one item in a list, in place', () => {
    const list = [{ id: 'a', title: 'old' }, { id: 'b' }] as ImageResource[];
    const fresh = { id: 'a', title: 'new' } as ImageResource;
    expect(withFresh(list, fresh)).toEqual([fresh, list[1]]);
    const albums = [{ id: 'x' }, { id: 'y', title: 'old' }] as AlbumResource[];
    const album = { id: 'y', title: 'new' } as AlbumResource;
    expect(withFresh(albums, album)).toEqual([albums[0], album]);
  });
});
