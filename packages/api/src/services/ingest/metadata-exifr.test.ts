import * as exifrModule from 'exifr';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fixture } from '../../../test/fixtures/fixtures.generated';
import { stripPrivateMetadata } from './metadata';

describe('reading EXIF keeps nothing per upload', () => {
  afterEach(() => vi.restoreAllMocks());

  it('hands exifr one options object for every image (exifr remembers each object it is given, forever)', async () => {
    // exifr's Options.useCached keys a module-level Map by the options object it is given, never evicted.
    // (exported by exifr's ESM build, missing from its typings)
    const { Options } = exifrModule as unknown as { Options: { useCached: (o: object) => unknown } };
    const useCached = vi.spyOn(Options, 'useCached');
    await stripPrivateMetadata(fixture('photo-gps.jpg'), 'image/jpeg');
    await stripPrivateMetadata(fixture('stripe.jpg'), 'image/jpeg');
    expect(useCached.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(new Set(useCached.mock.calls.map((call) => call[0])).size).toBe(1);
  });
});
