import { resolveTransform } from '@pixelflare/shared';
import { describe, expect, it } from 'vitest';
import { layoutFor } from '../../engines/geometry';
import { acceptClass, chooseOutputFormat } from './negotiate';

const choose = (
  accept: string | undefined,
  options: Partial<Parameters<typeof chooseOutputFormat>[0]> = {},
) =>
  chooseOutputFormat({
    requested: 'auto',
    anim: true,
    accept: acceptClass(accept),
    sourceType: 'image/jpeg',
    sourceAnimated: false,
    outputWidth: 800,
    engine: 'images-binding',
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
    expect(choose('image/avif', { engine: 'wasm' })).toBe('webp');
    expect(choose('*/*', { requested: 'avif', engine: 'wasm' })).toBe('webp');
  });

  it('keeps an explicit format regardless of Accept', () => {
    expect(choose('image/avif', { requested: 'png' })).toBe('png');
  });

  it('keeps animations animated: WebP, or GIF for a client that accepts neither WebP nor AVIF', () => {
    const animated = { sourceType: 'image/gif', sourceAnimated: true } as const;
    for (const engine of ['images-binding', 'wasm'] as const) {
      expect(choose('image/avif,image/webp,*/*', { ...animated, engine })).toBe('webp');
      expect(choose('image/webp', { ...animated, engine })).toBe('webp');
      expect(choose('*/*', { ...animated, engine })).toBe('gif');
      expect(choose(undefined, { ...animated, engine })).toBe('gif');
      // No engine writes animated AVIF; an explicit WebP or AVIF animates whatever the Accept.
      expect(choose('*/*', { ...animated, engine, requested: 'avif' })).toBe('webp');
      expect(choose('*/*', { ...animated, engine, requested: 'webp' })).toBe('webp');
      expect(choose('image/webp', { sourceType: 'image/webp', sourceAnimated: true, engine })).toBe('webp');
    }
  });

  it('negotiates a still for anim=false, an explicit JPEG or PNG, or an animated PNG', () => {
    const animated = { sourceType: 'image/gif', sourceAnimated: true } as const;
    expect(choose('image/avif,image/webp,*/*', { ...animated, anim: false })).toBe('avif');
    expect(choose('*/*', { ...animated, anim: false })).toBe('png');
    expect(choose('image/avif', { ...animated, requested: 'jpeg' })).toBe('jpeg');
    expect(choose('*/*', { sourceType: 'image/png', sourceAnimated: true })).toBe('png');
    // A GIF that is not animated is a still like any other.
    expect(choose('*/*', { sourceType: 'image/gif' })).toBe('png');
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
