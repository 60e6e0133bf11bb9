import { REQUIRED_VARIANTS } from '@pixelflare/config';
import { describe, expect, it } from 'vitest';
import { ImagePreviewsSchema } from './images';

describe('image previews', () => {
  it('name only presets every deployment must enable, so each preview URL is always served', () => {
    const presets = Object.keys(ImagePreviewsSchema.shape).filter((key) => key !== 'expires_at');
    expect(presets).toEqual(['thumb', 'w256']);
    expect(REQUIRED_VARIANTS).toEqual(expect.arrayContaining(presets));
  });
});
