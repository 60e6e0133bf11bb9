import { describe, expect, it } from 'vitest';
import {
  hasPlainUrls,
  htmlSnippet,
  markdownSnippet,
  srcsetEntries,
  srcsetSnippet,
  transformUrl,
  variantUrl,
} from './snippets';

const image = {
  urls: {
    cdn: 'http://localhost:8787/cdn/alice/default/cat.jpg',
    short: 'http://localhost:8787/cdn/i/k7d2qx',
  },
  short_id: 'k7d2qx',
  alt: 'A "cat" <sleeping>',
  title: null,
  filename: 'cat.jpg',
  width: 1200,
  height: 800,
};

describe('snippets', () => {
  it('are built only for an image with plain URLs (an encrypted one has null: they answer 404)', () => {
    expect(hasPlainUrls(image)).toBe(true);
    expect(hasPlainUrls({ urls: { cdn: null, short: null } })).toBe(false);
  });

  it('builds preset URLs on the short URL', () => {
    expect(variantUrl(image, 'w256')).toBe('http://localhost:8787/cdn/i/k7d2qx/w256');
    expect(variantUrl(image, 'original')).toBe(image.urls.short);
    const dedicated = { ...image, urls: { ...image.urls, short: 'https://img.example.com/i/k7d2qx' } };
    expect(variantUrl(dedicated, 'w256')).toBe('https://img.example.com/i/k7d2qx/w256');
  });

  it('escapes alt text in HTML and Markdown', () => {
    expect(htmlSnippet(image)).toContain('alt="A &quot;cat&quot; &lt;sleeping&gt;"');
    expect(markdownSnippet({ ...image, alt: 'a [b]' })).toBe(
      '![a \\[b\\]](http://localhost:8787/cdn/alice/default/cat.jpg)',
    );
  });

  it('falls back to the title, then the filename, for alt text', () => {
    expect(markdownSnippet({ ...image, alt: null })).toBe(`![cat.jpg](${image.urls.cdn})`);
    expect(markdownSnippet({ ...image, alt: null, title: 'Cat' })).toBe(`![Cat](${image.urls.cdn})`);
  });

  it('lists only width presets narrower than the original, then the original', () => {
    expect(srcsetEntries(image).map((entry) => entry.width)).toEqual([128, 256, 512, 1024, 1200]);
    expect(srcsetEntries({ ...image, width: 100 })).toEqual([{ url: image.urls.cdn, width: 100 }]);
    expect(srcsetSnippet(image)).toContain('http://localhost:8787/cdn/i/k7d2qx/w512 512w');
  });

  it('puts only the chosen transform parameters in the URL', () => {
    expect(transformUrl(image, { w: 300, fit: 'cover', q: 0, format: '' })).toBe(
      `${image.urls.cdn}?w=300&fit=cover`,
    );
    expect(transformUrl(image, {})).toBe(image.urls.cdn);
    expect(transformUrl(image, { w: 300, trim: '10;0;10;0', metadata: 'keep' })).toBe(
      `${image.urls.cdn}?w=300&trim=10%3B0%3B10%3B0&metadata=keep`,
    );
    expect(transformUrl(image, { trim: '', metadata: '' })).toBe(image.urls.cdn);
  });

  it('builds snippets on the owner’s custom domain from the URLs the API gave', () => {
    const custom = {
      ...image,
      urls: { cdn: 'https://img.alice.example/default/cat.jpg', short: 'https://img.alice.example/i/k7d2qx' },
    };
    expect(srcsetSnippet(custom)).toContain('src="https://img.alice.example/default/cat.jpg"');
    expect(srcsetSnippet(custom)).toContain('https://img.alice.example/i/k7d2qx/w512 512w');
    expect(htmlSnippet(custom)).toContain('src="https://img.alice.example/default/cat.jpg"');
  });

  it('carries the chosen placeholder as an inline style, and none unless asked', () => {
    const placed = {
      ...image,
      placeholder: { thumbhash: '/PcFDoCoaGt4dXh0eViXp1dw+H+F/1c=', dominant_color: '#3a6ea5' },
    };
    expect(htmlSnippet(placed)).not.toContain('style=');
    expect(htmlSnippet(placed, { placeholder: 'none' })).not.toContain('style=');
    expect(htmlSnippet(placed, { placeholder: 'color' })).toContain('style="background-color: #3a6ea5"');
    const blurred = srcsetSnippet(placed, { placeholder: 'thumbhash' });
    expect(blurred).toMatch(
      /style="background-color: #3a6ea5; background-image: url\(data:image\/png;base64,[A-Za-z0-9+/=]+\); background-size: cover; background-position: center">$/,
    );
    // The tiny ThumbHash picture keeps a snippet short.
    expect(blurred.length - srcsetSnippet(placed).length).toBeLessThan(1000);
    // An image whose placeholder is not worked out yet gets no style.
    expect(htmlSnippet({ ...image, placeholder: null }, { placeholder: 'thumbhash' })).not.toContain(
      'style=',
    );
  });
});
