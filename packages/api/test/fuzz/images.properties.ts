/**
 * The image sniffers and header readers under hostile bytes: random bytes and mutations of every valid sample
 * (bit flips, truncation, length fields set to 0 and 2^32−1, repeated chunks, deep box nesting). Each input is
 * refused with a 4xx AppError or accepted with a size; nothing else may escape (that would be a 500). A hang
 * shows as the test's timeout. Shared by images.fuzz.test.ts (CI) and bench/fuzz.
 */
import fc from 'fast-check';
import { fuzzProperty, type FuzzProperty } from '../../../shared/src/fuzz/fuzz-property';
import { jpegOrientation, readImageHeader } from '../../src/engines/image-size';
import { AppError } from '../../src/lib/errors';
import { checkDimensions, inspectImage } from '../../src/services/ingest/inspect';
import { IMAGE_SAMPLES, minimalAvif } from './samples';

export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'field'; at: number; width: 2 | 4; value: 'zero' | 'max' }
  | { kind: 'repeat'; at: number; length: number; times: number }
  | { kind: 'byte'; at: number; value: number };

/** Positions are fractions of the current length, so one mutation list applies to a sample of any size. */
const position = fc.double({ min: 0, max: 1, noNaN: true });
const mutation: fc.Arbitrary<{ kind: Mutation['kind']; where: number; a: number; b: number; c: number }> =
  fc.record({
    kind: fc.constantFrom('flip', 'truncate', 'field', 'repeat', 'byte', 'field', 'flip'),
    where: position,
    a: fc.nat({ max: 255 }),
    b: fc.nat({ max: 64 }),
    c: fc.nat({ max: 8 }),
  });

/** Applies a generated mutation; returns new bytes (the sample is never changed in place). */
export function mutate(
  bytes: Uint8Array,
  m: { kind: Mutation['kind']; where: number; a: number; b: number; c: number },
): Uint8Array {
  const at = Math.min(bytes.length - 1, Math.floor(m.where * bytes.length));
  if (bytes.length === 0) return bytes;
  const out = Uint8Array.from(bytes);
  switch (m.kind) {
    case 'flip':
      out[at] = out[at]! ^ (1 << (m.a % 8));
      return out;
    case 'byte':
      out[at] = m.a;
      return out;
    case 'truncate':
      return out.subarray(0, at);
    case 'field': {
      const width = m.a % 2 === 0 ? 2 : 4;
      const value = m.c % 2 === 0 ? 0 : 0xff;
      for (let i = at; i < Math.min(out.length, at + width); i++) out[i] = value;
      return out;
    }
    case 'repeat': {
      const slice = bytes.subarray(at, Math.min(bytes.length, at + 1 + m.b * 4));
      const times = 1 + m.c;
      const grown = new Uint8Array(bytes.length + slice.length * times);
      grown.set(bytes.subarray(0, at + slice.length));
      for (let i = 1; i <= times; i++) grown.set(slice, at + slice.length * i);
      grown.set(bytes.subarray(at + slice.length), at + slice.length * (times + 1));
      return grown;
    }
  }
}

const sample = fc.constantFrom(...IMAGE_SAMPLES);
/** SVG text pieces: markup, entities of any code point (valid or not), attributes and plain text. */
const svgPiece = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    '<rect width="1" height="1"/>',
    '<g>',
    '</g>',
    '<!-- c -->',
    ' viewBox="0 0 9 9"',
    '"',
    "'",
    '<',
    '>',
  ),
  fc.nat().map((n) => `&#${n};`),
  fc.nat().map((n) => `&#x${n.toString(16)};`),
  fc.integer({ min: 0x10ffff, max: 0x7fffffff }).map((n) => `&#${n};`),
);
const hostileSvg = fc
  .tuple(fc.array(svgPiece, { maxLength: 3 }), fc.array(svgPiece, { maxLength: 6 }), fc.boolean())
  .map(([attrs, body, closed]) =>
    new TextEncoder().encode(
      `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"${attrs.join('')}>${body.join('')}${closed ? '</svg>' : ''}`,
    ),
  );
/** Hostile inputs: mutated samples (most), deep AVIF nesting, and plain random bytes with a valid magic or none. */
export const hostileImage: fc.Arbitrary<Uint8Array> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(sample, fc.array(mutation, { minLength: 1, maxLength: 4 }))
      .map(([s, ms]) => ms.reduce(mutate, s.bytes)),
  },
  { weight: 1, arbitrary: fc.nat({ max: 400 }).map((depth) => minimalAvif(depth)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }) },
  { weight: 2, arbitrary: hostileSvg },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...IMAGE_SAMPLES), fc.uint8Array({ maxLength: 256 }), fc.nat({ max: 40 }))
      .map(([s, tail, keep]) => Uint8Array.from([...s.bytes.subarray(0, keep), ...tail])),
  },
);

const LIMITS = { maxMegapixels: 50, maxSidePixels: 50_000 };

/** What the upload path does with the bytes: inspect, then check the declared size. 4xx or a size, only. */
export function uploadVerdict(bytes: Uint8Array): string {
  try {
    const image = inspectImage(bytes);
    checkDimensions(image, LIMITS);
    if (!Number.isInteger(image.width) || !Number.isInteger(image.height))
      throw new Error(`size ${image.width}×${image.height}`);
    return `accepted ${image.contentType}`;
  } catch (error) {
    if (error instanceof AppError && error.status >= 400 && error.status < 500)
      return `${error.status} ${error.code}`;
    throw error;
  }
}

/** The engines' readers run on stored originals: they must answer (a size or null, an orientation 1–8), never throw. */
export function engineReaders(bytes: Uint8Array): void {
  const header = readImageHeader(bytes);
  if (header && !(header.width >= 0 && header.height >= 0))
    throw new Error(`header size ${header.width}×${header.height}`);
  const orientation = jpegOrientation(bytes);
  if (!(orientation >= 1 && orientation <= 8)) throw new Error(`orientation ${orientation}`);
}

export const imageProperties: FuzzProperty[] = [
  fuzzProperty(
    'upload sniffing: a 4xx or a valid image, never another error',
    1500,
    fc.property(hostileImage, (bytes) => void uploadVerdict(bytes)),
  ),
  fuzzProperty(
    'engine header readers: a size or null and an orientation 1–8, never a throw',
    1500,
    fc.property(hostileImage, (bytes) => engineReaders(bytes)),
  ),
];
