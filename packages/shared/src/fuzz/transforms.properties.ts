/**
 * Properties of the transform query parser and the CDN query canonicaliser, shared by the CI test
 * (transforms.fuzz.test.ts: fixed seed, few runs) and the long run in bench/fuzz (FUZZ_SEED, FUZZ_RUNS).
 */
import {
  TRANSFORM_FITS,
  TRANSFORM_FLIPS,
  TRANSFORM_FORMATS,
  TRANSFORM_GRAVITIES,
  TRANSFORM_METADATA,
  TRANSFORM_RANGES,
  WATERMARK_POSITIONS,
  WIDTH_BUCKETS,
} from '@pixelflare/config';
import fc from 'fast-check';
import { fuzzProperty, type FuzzProperty } from './fuzz-property';
import {
  TransformQuerySchema,
  canonicalTransform,
  parseTransformQuery,
  resolveTransform,
} from '../transforms';
import { canonicalCdnQuery } from '../urls';

/** Every parameter the CDN accepts, from the schema that documents them. */
const KNOWN: ReadonlySet<string> = new Set(Object.keys(TransformQuerySchema.shape));
/** The known names, the signature's, and look-alikes: prototype keys, other case, stray spaces. */
const NAMES = [
  ...KNOWN,
  'sig',
  'exp',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'W',
  ' w',
  'w ',
];
const VALUES = [
  ...TRANSFORM_FITS,
  ...TRANSFORM_FORMATS,
  ...TRANSFORM_GRAVITIES,
  ...TRANSFORM_FLIPS,
  ...WATERMARK_POSITIONS,
  '0.01',
  '0.005',
  '0.333',
  '90',
  '180',
  '270',
  '0',
  '1',
  '-1',
  '4096',
  '4097',
  '1e3',
  '0x10',
  ' 5 ',
  '',
  'NaN',
  'Infinity',
  '1.5',
  '2.9999',
  'true',
  'false',
  '#fff',
  '#FFFFFF80',
  'rgb(1, 2, 3)',
  'rgba(1,2,3,.5)',
  'white',
  'card',
  ...TRANSFORM_METADATA,
  'redirect',
  '20;30;20;0',
  '0;0;0;0',
  '1;2;3',
  '1;2;3;4;5',
  '-1;0;0;0',
  '1,2,3,4',
  ' 1;2;3;4 ',
  `${TRANSFORM_RANGES.trim.max + 1};0;0;0`,
];

/** A coordinate written any way: leading zeros and long fractions, so tiny and long decimals are tried. */
const coordinate = fc
  .tuple(
    fc.constantFrom('0', '1', '0.', '1.'),
    fc.nat({ max: 12 }).map((zeros) => '0'.repeat(zeros)),
    fc.string({ unit: fc.constantFrom('0', '1', '5', '9'), maxLength: 12 }),
  )
  .map(([whole, zeros, digits]) => (whole.endsWith('.') ? `${whole}${zeros}${digits || '0'}` : whole));
const focalPoint = fc.tuple(coordinate, coordinate).map(([x, y]) => `${x}x${y}`);
/** `trim=` as four sides, mostly in range, sometimes too many or too few, sometimes out of range. */
const side = fc.oneof(
  fc.nat({ max: 50 }),
  fc.integer({ min: TRANSFORM_RANGES.trim.max - 2, max: TRANSFORM_RANGES.trim.max + 2 }),
);
const trim = fc.oneof(
  fc.tuple(side, side, side, side).map((sides) => sides.join(';')),
  fc.array(side, { maxLength: 6 }).map((sides) => sides.join(';')),
);

const name = fc.oneof(
  fc.constantFrom(...NAMES),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'grapheme', maxLength: 4 }),
);
const value = fc.oneof(
  fc.constantFrom(...VALUES),
  focalPoint,
  fc.integer({ min: -10, max: 5000 }).map(String),
  fc.double({ noNaN: false }).map(String),
  fc.string({ maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
);
const number = fc.oneof(
  fc.integer({ min: -2, max: 5000 }).map(String),
  fc.double({ min: 0, max: 12 }).map(String),
  fc.constantFrom('1e3', '0x10', ' 5 ', '2.9999', ''),
);
const fraction = fc.oneof(
  fc.double({ min: 0, max: 1.2, noNaN: true }).map(String),
  fc.constantFrom('0', '0.01', '0.005', '0.0149', '1', '1.001', '.5', '0.50', '1e-2', ''),
);
/** Mostly-valid queries (each known parameter at most once, plausible values), so the accepting path is fuzzed too. */
const plausible = fc
  .record(
    {
      w: number,
      h: number,
      fit: fc.constantFrom(...TRANSFORM_FITS),
      q: number,
      f: fc.constantFrom(...TRANSFORM_FORMATS),
      g: fc.oneof(fc.constantFrom(...TRANSFORM_GRAVITIES), focalPoint),
      dpr: number,
      blur: number,
      sharpen: number,
      rotate: fc.constantFrom('90', '180', '270', '45'),
      flip: fc.constantFrom(...TRANSFORM_FLIPS),
      bg: fc.oneof(
        fc.constantFrom(...VALUES),
        fc.stringMatching(/^#?[0-9a-fA-F]{3,8}$/),
        fc.stringMatching(/^rgba?\( ?\d{1,3} ?, ?\d{1,3} ?, ?\d{1,3} ?(, ?0?\.\d{1,3})?\)$/),
      ),
      anim: fc.constantFrom('true', 'false'),
      trim,
      metadata: fc.constantFrom(...TRANSFORM_METADATA, 'all'),
      onerror: fc.constantFrom('redirect', 'redirect', 'ignore'),
      t: fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,8}$/),
      // Watermarks: names, positions and fractions around the ranges' edges (0.01–1, two decimals).
      wm: fc.oneof(fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,8}$/), fc.constantFrom('Logo', '-x', '')),
      wm_pos: fc.oneof(fc.constantFrom(...WATERMARK_POSITIONS), fc.constantFrom('middle', 'tile ')),
      wm_opacity: fraction,
      wm_scale: fraction,
    },
    { requiredKeys: [] },
  )
  .map((record) => Object.entries(record) as [string, string][]);
const entries = fc.oneof(fc.array(fc.tuple(name, value), { maxLength: 8 }), plausible);
/** Query strings as a browser could send them, parsed by the platform's URL parser. */
const rawQuery = fc.oneof(
  fc.string({ maxLength: 80 }),
  entries.map((list) => list.map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`).join('&')),
);

type Entries = [string, string][];
const fromQuery = (query: string): Entries => [...new URL(`http://x/?${query}`).searchParams];

/** Parses and, when valid, resolves to the variant key; throws when a property does not hold. */
function checkOne(list: Entries, buckets: boolean): void {
  const parsed = parseTransformQuery(list);
  const given = new Set(list.map(([n]) => n));
  if (!parsed.ok) {
    if (parsed.issues.length === 0) throw new Error('refused without naming a parameter');
    for (const issue of parsed.issues) {
      // Each issue names a parameter the query gave (an alias clash names the long spelling).
      const named =
        given.has(issue.path) ||
        (issue.path === 'format' && given.has('f')) ||
        (issue.path === 'gravity' && given.has('g'));
      if (!named) throw new Error(`issue names "${issue.path}", not a given parameter`);
    }
    return;
  }
  const unknown = [...given].find((n) => !KNOWN.has(n));
  if (unknown !== undefined) throw new Error(`accepted the unknown parameter "${unknown}"`);
  const options = buckets ? { widthBuckets: WIDTH_BUCKETS } : {};
  const key = canonicalTransform(resolveTransform(parsed.input, options));
  const again = parseTransformQuery(fromQuery(key));
  if (!again.ok) throw new Error(`the canonical key ${key} does not parse: ${JSON.stringify(again.issues)}`);
  const keyAgain = canonicalTransform(resolveTransform(again.input, options));
  if (keyAgain !== key) throw new Error(`the canonical key is not stable: ${key} then ${keyAgain}`);
  // `onerror` is how a failure is answered, not what is rendered: with or without it, one variant.
  if (given.has('onerror')) {
    const without = parseTransformQuery(list.filter(([n]) => n !== 'onerror'));
    if (!without.ok || canonicalTransform(resolveTransform(without.input, options)) !== key)
      throw new Error(`onerror changes the variant key ${key}`);
  }
  // A trim keeps its four sides through the key (an all-zero trim is no trim at all).
  const trim = parsed.input.trim;
  const sides = trim && [trim.top, trim.right, trim.bottom, trim.left];
  const expected = sides && sides.some((n) => n > 0) ? `trim=${sides.join('%3B')}` : undefined;
  const written = /(?:^|&)(trim=[^&]*)/.exec(key)?.[1];
  if (written !== expected)
    throw new Error(`trim ${JSON.stringify(trim)} is written as ${written} in ${key}`);
}

export const transformProperties: FuzzProperty[] = [
  fuzzProperty(
    'transform entries: a refusal names a given parameter, or the canonical key parses to itself',
    3000,
    fc.property(entries, fc.boolean(), (list, buckets) => checkOne(list, buckets)),
  ),
  fuzzProperty(
    'transform query strings from the URL parser: same, never a throw',
    2000,
    fc.property(rawQuery, fc.boolean(), (query, buckets) => checkOne(fromQuery(query), buckets)),
  ),
  fuzzProperty(
    'canonical CDN query: order-independent, and canonical of the canonical is itself',
    2000,
    fc.property(rawQuery, (query) => {
      const list = fromQuery(query);
      const once = canonicalCdnQuery(list);
      const reversed = canonicalCdnQuery([...list].reverse());
      if (once !== reversed) throw new Error(`order changes the canonical query: ${once} vs ${reversed}`);
      if (canonicalCdnQuery(fromQuery(once)) !== once) throw new Error(`not idempotent: ${once}`);
      if (/(^|&)(sig|exp)=/.test(once)) throw new Error(`kept a signature parameter: ${once}`);
    }),
  ),
];
