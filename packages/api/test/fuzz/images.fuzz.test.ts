import { describe, expect, it } from 'vitest';
import { jpegOrientation } from '../../src/engines/image-size';
import { fuzzRun } from '../../../shared/src/fuzz/fuzz-run';
import { imageProperties, uploadVerdict } from './images.properties';

describe('image sniffers and header readers, fuzzed', () => {
  for (const { name, ciRuns, check } of imageProperties) it(name, () => check(fuzzRun(ciRuns)));
});

/** Counterexamples the fuzzers found (shrunk), kept as plain tests. */
describe('image reader regressions found by fuzzing', () => {
  it('reads orientation 1 from an EXIF segment cut short, instead of throwing a RangeError (a 500 on a CDN miss)', () => {
    expect(jpegOrientation(Uint8Array.from([255, 216, 255, 225, 1, 54, 69, 120, 105, 102]))).toBe(1);
  });

  it('refuses an SVG entity past U+10FFFF with a 422 (String.fromCodePoint threw a RangeError: a 500)', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">&#1114112;</svg>';
    expect(uploadVerdict(new TextEncoder().encode(svg))).toBe('422 UNPROCESSABLE_IMAGE');
  });
});
