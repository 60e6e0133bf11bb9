import { UPLOAD_LIMITS } from '@pixelflare/config';
import { describe, expect, it } from 'vitest';
import { parseCdnPath } from '../../src/cdn/cdn-path';
import { sanitizeFilename } from '../../src/services/ingest/filename';
import { fuzzRun } from '../../../shared/src/fuzz/fuzz-run';
import { pathProperties } from './paths.properties';

describe('CDN paths, filenames and Content-Disposition, fuzzed', () => {
  for (const { name, ciRuns, check } of pathProperties) it(name, () => check(fuzzRun(ciRuns)));
});

/** Counterexamples the fuzzers found (shrunk), kept as plain tests. */
describe('path and filename regressions found by fuzzing', () => {
  it('cuts a long name between characters, never through a surrogate pair (a lone surrogate made every URL a 500)', () => {
    const name = sanitizeFilename('𠀀'.repeat(200), 'image/png');
    expect(name).not.toMatch(/[\uD800-\uDFFF]/u);
    expect(() => encodeURIComponent(name)).not.toThrow();
    expect(name.length).toBeLessThanOrEqual(UPLOAD_LIMITS.maxFilenameLength);
    expect(name.endsWith('.png')).toBe(true);
  });

  it('answers null for a path segment with a lone surrogate instead of throwing a URIError', () => {
    expect(parseCdnPath('/cdn/alice/album/\udfff')).toBeNull();
  });
});
