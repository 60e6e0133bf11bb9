import { describe, expect, it } from 'vitest';
import { canonicalTransform, parseTransformQuery, resolveTransform } from '../transforms';
import { canonicalCdnQuery } from '../urls';
import { fuzzRun } from './fuzz-run';
import { transformProperties } from './transforms.properties';

describe('transform and CDN query parsers, fuzzed', () => {
  for (const { name, ciRuns, check } of transformProperties) {
    it(name, () => check(fuzzRun(ciRuns)));
  }
});

/** Counterexamples the fuzzers found (shrunk), kept as plain tests. */
describe('transform parser regressions found by fuzzing', () => {
  it('refuses __proto__ as an unknown parameter (it was silently dropped)', () => {
    const parsed = parseTransformQuery([['__proto__', '0']]);
    expect(parsed).toEqual({
      ok: false,
      issues: [{ path: '__proto__', message: 'unknown transform parameter "__proto__"' }],
    });
  });

  it('writes a tiny focal coordinate back as a key that parses (was g=0x5e-7)', () => {
    const parsed = parseTransformQuery([['g', '0x0.0000005']]);
    if (!parsed.ok) throw new Error('refused');
    const key = canonicalTransform(resolveTransform(parsed.input));
    expect(key).toContain('g=0x0&');
    expect(parseTransformQuery(new URLSearchParams(key)).ok).toBe(true);
  });

  it('orders parameters whose names localeCompare ties (U+3027 and "7") the same whatever their order', () => {
    expect(
      canonicalCdnQuery([
        ['\u3027', '0'],
        ['7', '0x0'],
      ]),
    ).toBe(
      canonicalCdnQuery([
        ['7', '0x0'],
        ['\u3027', '0'],
      ]),
    );
  });
});
