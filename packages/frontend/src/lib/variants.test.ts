import { describe, expect, it } from 'vitest';
import { createApiClient } from './api/client';
import { renditionDetails, renditionStatusLabel, variantBox } from './variants';

const rendition = {
  format: 'webp',
  status: 'ready' as const,
  bytes: 4210,
  width: 256,
  height: 192,
  engine: 'images-binding',
  error: null,
};

describe('variant wording', () => {
  it("words a preset's box and fit", () => {
    expect(variantBox({ width: 128, height: 128, fit: 'cover' })).toBe('128 × 128, cropped to fill');
    expect(variantBox({ width: 256, height: null, fit: 'scale-down' })).toBe('up to 256 px wide');
    expect(variantBox({ width: null, height: 300, fit: 'scale-down' })).toBe('up to 300 px high');
  });

  it('gives a rendition its status in words, and size and dimensions when known', () => {
    expect(renditionStatusLabel('ready')).toBe('Ready');
    expect(renditionStatusLabel('failed')).toBe('Failed');
    expect(renditionDetails(rendition)).toBe('4.2 kB, 256 × 192');
    expect(
      renditionDetails({ ...rendition, status: 'pending', bytes: null, width: null, height: null }),
    ).toBe('');
  });

  it("reads an image's variants through the typed client", async () => {
    const urls: string[] = [];
    const client = createApiClient('', async (url) => {
      urls.push(String(url));
      const data = [
        {
          preset: 'thumb',
          width: 128,
          height: 128,
          fit: 'cover',
          url: 'https://x/cdn/a/b/c.jpg/thumb',
          formats: [],
        },
        {
          preset: 'w256',
          width: 256,
          height: null,
          fit: 'scale-down',
          url: 'https://x/w256',
          formats: [rendition],
        },
      ];
      return new Response(JSON.stringify({ data }), { headers: { 'content-type': 'application/json' } });
    });
    const { data } = await client.listImageVariants('img_1');
    expect(urls).toEqual(['/v1/images/img_1/variants']);
    expect(data.map((variant) => [variant.preset, variant.formats.length])).toEqual([
      ['thumb', 0],
      ['w256', 1],
    ]);
  });
});
