import { describe, expect, it } from 'vitest';
import { stripPrivateMetadata } from '../../src/services/ingest/metadata';
import { fuzzRun } from '../../../shared/src/fuzz/fuzz-run';
import { buildJpeg, buildPng, leakedSecrets, metadataProperties } from './metadata.properties';

describe('metadata stripper, fuzzed', () => {
  for (const { name, ciRuns, check } of metadataProperties) it(name, () => check(fuzzRun(ciRuns)));
});

/** Leaks found by reading and fuzzing the stripper, kept as plain tests. */
describe('metadata stripper regressions', () => {
  it("drops an MPO's second image (and its GPS) after the first image's end marker", async () => {
    const { bytes } = buildJpeg({ base: 'stripe.jpg', header: [], beforeEnd: false, trailer: 'mpo' });
    expect(leakedSecrets(bytes)).not.toEqual([]);
    const stripped = await stripPrivateMetadata(bytes, 'image/jpeg');
    expect(leakedSecrets(stripped.bytes)).toEqual([]);
    // The first image ends the file.
    expect([...stripped.bytes.subarray(-2)]).toEqual([0xff, 0xd9]);
    expect(stripped.summary?.stripped).toContain('Trailing data');
  });

  it('keeps only the ICC profile among APP2 blocks (MPF and FlashPix carry private data)', async () => {
    const { bytes } = buildJpeg({
      base: 'stripe.jpg',
      header: [{ kind: 'icc' }, { kind: 'mpf', marker: 0 }, { kind: 'flashpix', marker: 0 }],
      beforeEnd: false,
      trailer: 'none',
    });
    const stripped = await stripPrivateMetadata(bytes, 'image/jpeg');
    expect(leakedSecrets(stripped.bytes)).toEqual([]);
    expect(new TextDecoder().decode(stripped.bytes)).toContain('ICC_PROFILE');
    expect(stripped.summary?.kept).toContain('ICC profile');
  });

  it('drops a comment between the scan data and the end marker', async () => {
    const { bytes } = buildJpeg({ base: 'stripe.jpg', header: [], beforeEnd: true, trailer: 'none' });
    expect(leakedSecrets((await stripPrivateMetadata(bytes, 'image/jpeg')).bytes)).toEqual([]);
  });

  it('drops data after a PNG IEND even when the PNG has no text chunk', async () => {
    const bytes = buildPng({ chunks: [], trailer: true });
    expect(leakedSecrets((await stripPrivateMetadata(bytes, 'image/png')).bytes)).toEqual([]);
  });
});
