import { describe, expect, it } from 'vitest';
import { canonicalTransform, parseTransformQuery, resolveTransform, trimmedSize } from './transforms';

const parse = (query: string) => parseTransformQuery(new URLSearchParams(query));
const pathsOf = (query: string) => {
  const result = parse(query);
  if (result.ok) throw new Error(`expected ${query} to fail`);
  return result.issues.map((issue) => issue.path);
};

describe('transform query parsing', () => {
  it('accepts every parameter and merges aliases', () => {
    const result = parse(
      'w=500&h=300&fit=cover&q=70&format=webp&gravity=0.3x0.7&dpr=2&blur=5&sharpen=3&rotate=90&flip=hv&bg=%23FFF&anim=false&t=card',
    );
    expect(result).toEqual({
      ok: true,
      named: 'card',
      input: {
        width: 500,
        height: 300,
        fit: 'cover',
        quality: 70,
        format: 'webp',
        gravity: { x: 0.3, y: 0.7 },
        dpr: 2,
        blur: 5,
        sharpen: 3,
        rotate: 90,
        flip: 'hv',
        background: '#fff',
        anim: false,
      },
    });
  });

  it.each([
    ['w=0', 'w'],
    ['w=4097', 'w'],
    ['h=abc', 'h'],
    ['q=101', 'q'],
    ['fit=stretch', 'fit'],
    ['f=gif', 'f'],
    ['g=middle', 'g'],
    ['g=1.5x0.2', 'g'],
    ['dpr=4', 'dpr'],
    ['blur=251', 'blur'],
    ['sharpen=11', 'sharpen'],
    ['rotate=45', 'rotate'],
    ['flip=x', 'flip'],
    ['bg=notacolour', 'bg'],
    ['anim=yes', 'anim'],
    ['t=Bad Name', 't'],
    ['width=10', 'width'],
    ['w=10&w=20', 'w'],
    ['f=webp&format=png', 'format'],
    ['trim=10', 'trim'],
    ['trim=1;2;3', 'trim'],
    ['trim=1,2,3,4', 'trim'],
    ['trim=-1;0;0;0', 'trim'],
    ['trim=12001;0;0;0', 'trim'],
    ['metadata=all', 'metadata'],
    ['onerror=ignore', 'onerror'],
  ])('refuses %s naming %s', (query, name) => {
    expect(pathsOf(query)).toContain(name);
  });
});

describe('trim, metadata and onerror', () => {
  it('parses trim as top;right;bottom;left, metadata and onerror', () => {
    expect(parse('trim=20;30;10;0&metadata=keep&onerror=redirect')).toEqual({
      ok: true,
      input: { trim: { top: 20, right: 30, bottom: 10, left: 0 }, metadata: 'keep' },
      onError: 'redirect',
    });
  });

  it('resolves metadata to copyright (Cloudflare default) and an all-zero trim to none', () => {
    const resolved = resolveTransform({ trim: { top: 0, right: 0, bottom: 0, left: 0 } });
    expect(resolved.trim).toBeUndefined();
    expect(resolved.metadata).toBe('copyright');
  });

  it('tells the size a trim leaves, or null when it leaves no pixel', () => {
    const size = { width: 100, height: 50 };
    expect(trimmedSize(size, { top: 10, right: 20, bottom: 5, left: 30 })).toEqual({ width: 50, height: 35 });
    expect(trimmedSize(size, { top: 25, right: 0, bottom: 25, left: 0 })).toBeNull();
    expect(trimmedSize(size, undefined)).toBe(size);
  });
});

describe('canonical transforms', () => {
  const canonical = (query: string, widthBuckets?: readonly number[]) => {
    const result = parse(query);
    if (!result.ok) throw new Error('parse failed');
    return canonicalTransform(resolveTransform(result.input, { widthBuckets }));
  };

  it('is the same whatever the order, spelling or defaults', () => {
    expect(canonical('fit=scale-down&w=400&q=85')).toBe(canonical('w=400'));
    expect(canonical('format=auto&w=400&g=center')).toBe(canonical('w=400'));
    expect(canonical('w=200&dpr=2')).toBe(canonical('w=400'));
    expect(canonical('w=400')).not.toBe(canonical('w=401'));
  });

  it('keys trim and a non-default metadata, and leaves the default metadata out', () => {
    expect(canonical('w=400&trim=1;2;3;4')).toBe(
      'w=400&fit=scale-down&q=85&f=auto&g=center&anim=true&trim=1%3B2%3B3%3B4',
    );
    expect(canonical('w=400&trim=0;0;0;0')).toBe(canonical('w=400'));
    expect(canonical('w=400&metadata=copyright')).toBe(canonical('w=400'));
    expect(canonical('w=400&metadata=keep')).toBe(`${canonical('w=400')}&metadata=keep`);
    expect(canonical('w=400&metadata=none')).not.toBe(canonical('w=400&metadata=keep'));
  });

  it('rounds widths up to a bucket when asked', () => {
    expect(canonical('w=300', [256, 384, 512])).toBe(canonical('w=384'));
  });

  it('lets a named transform lock its parameters', () => {
    const locked = resolveTransform({ width: 9999, quality: 50 }, { locked: { width: 300 } });
    expect(locked.width).toBe(300);
    expect(locked.quality).toBe(50);
  });
});

describe('watermark parameters', () => {
  it('parses wm, wm_pos, wm_opacity and wm_scale, fractions to two decimals', () => {
    expect(parse('wm=logo&wm_pos=top-left&wm_opacity=0.456&wm_scale=.5')).toEqual({
      ok: true,
      input: {
        watermark: 'logo',
        watermarkPosition: 'top-left',
        watermarkOpacity: 0.46,
        watermarkScale: 0.5,
      },
    });
  });

  it.each([
    ['wm=Logo', 'wm'],
    ['wm=logo&wm_pos=middle', 'wm_pos'],
    ['wm=logo&wm_opacity=0', 'wm_opacity'],
    ['wm=logo&wm_opacity=1.5', 'wm_opacity'],
    ['wm=logo&wm_scale=0.001', 'wm_scale'],
    ['wm=logo&wm_scale=x', 'wm_scale'],
    ['wm_pos=tile', 'wm_pos'],
    ['wm_opacity=0.5&w=100', 'wm_opacity'],
    ['wm=a&wm=b', 'wm'],
  ])('refuses %s naming %s', (query, name) => {
    expect(pathsOf(query)).toContain(name);
  });

  it('allows wm_* beside t= (the named transform may set wm)', () => {
    expect(parse('t=proof&wm_opacity=0.2').ok).toBe(true);
  });

  const keyOf = (query: string, locked?: string) => {
    const parsed = parse(query);
    const lockedParsed = locked ? parse(locked) : undefined;
    if (!parsed.ok || (lockedParsed && !lockedParsed.ok)) throw new Error('unparsable');
    return canonicalTransform(
      resolveTransform(parsed.input, { locked: lockedParsed?.ok ? lockedParsed.input : undefined }),
    );
  };

  it('fills defaults into one canonical key', () => {
    expect(keyOf('w=100&wm=logo')).toBe(
      keyOf('wm_scale=0.25&wm=logo&w=100&wm_pos=bottom-right&wm_opacity=0.60'),
    );
    expect(keyOf('w=100&wm=logo')).toContain('wm=logo&wm_pos=bottom-right&wm_opacity=0.6&wm_scale=0.25');
    expect(keyOf('w=100')).not.toContain('wm');
  });

  it('a locked watermark is locked whole: the caller can neither fade, move nor replace it', () => {
    const locked = 'wm=logo&wm_pos=tile';
    expect(keyOf('wm=other&wm_opacity=0.01&wm_pos=top-left&w=50', locked)).toBe(
      keyOf('w=50&wm=logo&wm_pos=tile'),
    );
    // Other parameters the lock does not set stay the caller's.
    expect(keyOf('w=50', locked)).not.toBe(keyOf('w=60', locked));
  });
});
