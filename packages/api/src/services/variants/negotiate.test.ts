import { resolveTransform } from '@pixelflare/shared';
import { describe, expect, it } from 'vitest';
import { layoutFor } from '../../engines/geometry';
import { ENGINE_OUTPUT_FORMATS } from '../../engines/select';
import { acceptClass, chooseOutputFormat } from './negotiate';

const choose = (
  accept: string | undefined,
  options: Partial<Parameters<typeof chooseOutputFormat>[0]> = {},
) =>
  chooseOutputFormat({
    requested: 'auto',
    accept: acceptClass(accept),
    sourceType: 'image/jpeg',
    outputWidth: 800,
    engineFormats: ENGINE_OUTPUT_FORMATS['images-binding'],
    ...options,
  });

describe('format negotiation', () => {
  it('prefers AVIF, then WebP, then the original format', () => {
    expect(choose('image/avif,image/webp,*/*')).toBe('avif');
    expect(choose('image/webp,*/*')).toBe('webp');
    expect(choose('*/*')).toBe('jpeg');
    expect(choose(undefined, { sourceType: 'image/png' })).toBe('png');
    expect(choose(undefined, { sourceType: 'image/gif' })).toBe('png');
  });

  it('falls back from AVIF to WebP above 1200 px or when the engine cannot write AVIF', () => {
    expect(choose('image/avif', { outputWidth: 1201 })).toBe('webp');
    expect(choose('image/avif', { outputWidth: 1200 })).toBe('avif');
    expect(choose('image/avif', { engineFormats: ENGINE_OUTPUT_FORMATS.wasm })).toBe('webp');
    expect(choose('*/*', { requested: 'avif', engineFormats: ENGINE_OUTPUT_FORMATS.wasm })).toBe('webp');
  });

  it('keeps an explicit format regardless of Accept', () => {
    expect(choose('image/avif', { requested: 'png' })).toBe('png');
  });
});

describe('layout', () => {
  const source = { width: 1600, height: 1200 };
  const layout = (input: Parameters<typeof resolveTransform>[0]) =>
    layoutFor(source, resolveTransform(input));

  it('follows each fit', () => {
    expect(layout({ width: 400 }).canvas).toEqual({ width: 400, height: 300 });
    expect(layout({ width: 3000 }).canvas).toEqual(source);
    expect(layout({ width: 3200, fit: 'contain' }).canvas).toEqual({ width: 3200, height: 2400 });
    expect(layout({ width: 300, height: 300, fit: 'cover' })).toEqual({
      scaled: { width: 400, height: 300 },
      canvas: { width: 300, height: 300 },
      offset: { x: -50, y: 0 },
    });
    expect(layout({ width: 300, height: 300, fit: 'cover', gravity: { x: 1, y: 0.5 } }).offset).toEqual({
      x: -100,
      y: 0,
    });
    expect(layout({ width: 300, height: 300, fit: 'pad' })).toEqual({
      scaled: { width: 300, height: 225 },
      canvas: { width: 300, height: 300 },
      offset: { x: 0, y: 37 },
    });
    expect(layout({ width: 300, height: 100, fit: 'squeeze' }).canvas).toEqual({ width: 300, height: 100 });
    expect(layout({ width: 2000, height: 500, fit: 'crop' }).canvas).toEqual({ width: 1600, height: 500 });
  });
});
