import { describe, expect, it } from 'vitest';
import type { AlbumResource } from '@pixelflare/shared';
import { ApiError } from './api/client';
import { albumChanges, albumErrorMessage, draftOf } from './albums';

const album: AlbumResource = {
  id: 'alb_1',
  slug: 'summer',
  title: 'Summer',
  description: null,
  visibility: 'public',
  cover_image_id: null,
  cover: null,
  image_count: 2,
  forced_transform: null,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
};

describe('album editing', () => {
  it('sends only what changed, trimmed, and nothing for an untouched form', () => {
    expect(albumChanges(album, draftOf(album))).toEqual({});
    expect(
      albumChanges(album, {
        ...draftOf(album),
        title: ' Summer 2026 ',
        visibility: 'private',
        cover_image_id: 'img_2',
      }),
    ).toEqual({ title: 'Summer 2026', visibility: 'private', cover_image_id: 'img_2' });
    expect(albumChanges(album, { ...draftOf(album), description: '  ' })).toEqual({});
  });

  it('clears an emptied description and a removed cover with null', () => {
    const described = { ...album, description: 'Beach days', cover_image_id: 'img_1' };
    expect(albumChanges(described, { ...draftOf(described), description: '', cover_image_id: null })).toEqual(
      {
        description: null,
        cover_image_id: null,
      },
    );
  });

  it('words a refused cover and a bad title from the field the API names; anything else from its error code', () => {
    const coverRefused = new ApiError(
      400,
      'VALIDATION_FAILED',
      'The cover must be one of your images',
      undefined,
      [{ path: 'cover_image_id', message: 'not one of your images' }],
    );
    expect(albumErrorMessage(coverRefused)).toBe(
      'That image cannot be the cover: it is no longer one of your images. Choose another.',
    );
    // A missing album is not blamed on the cover, even when a cover was being set.
    const albumGone = new ApiError(404, 'NOT_FOUND', 'Album not found');
    expect(albumErrorMessage(albumGone)).not.toContain('cover');
    const invalid = new ApiError(400, 'VALIDATION_FAILED', 'Invalid', undefined, [
      { path: 'title', message: 'x' },
    ]);
    expect(albumErrorMessage(invalid)).toBe('Give the album a title of up to 200 characters.');
    expect(albumErrorMessage(new ApiError(0, 'NETWORK_ERROR', 'x'))).toMatch(/reach/i);
  });
});
