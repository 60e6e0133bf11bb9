import { describe, expect, it } from 'vitest';
import { canonicalTransform, parseTransformQuery, resolveTransform } from './transforms';

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
  ])('refuses %s naming %s', (query, name) => {
    expect(pathsOf(query)).toContain(name);
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

  it('rounds widths up to a bucket when asked', () => {
    expect(canonical('w=300', [256, 384, 512])).toBe(canonical('w=384'));
  });

  it('lets a named transform lock its parameters', () => {
    const locked = resolveTransform({ width: 9999, quality: 50 }, { locked: { width: 300 } });
    expect(locked.width).toBe(300);
    expect(locked.quality).toBe(50);
  });
});
