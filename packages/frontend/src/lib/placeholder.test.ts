import { describe, expect, it } from 'vitest';
import { placeholderStyle } from './placeholder';

describe('placeholderStyle', () => {
  it('shows the dominant colour and the decoded ThumbHash behind a thumbnail', () => {
    const style = placeholderStyle({
      thumbhash: '/PcFDoCoaGt4dXh0eViXp1dw+H+F/1c=',
      dominant_color: '#3a6ea5',
    });
    expect(style).toContain('background-color: #3a6ea5');
    expect(style).toMatch(/background-image: url\(data:image\/png;base64,[A-Za-z0-9+/=]+\)/);
  });

  it('is empty without a placeholder, and colour only when the hash cannot be read', () => {
    expect(placeholderStyle(null)).toBe('');
    expect(placeholderStyle({ thumbhash: '!!', dominant_color: '#000000' })).toBe(
      'background-color: #000000',
    );
  });
});
