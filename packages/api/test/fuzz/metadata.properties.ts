/**
 * The metadata stripper under every layout of private metadata a JPEG or PNG can carry: EXIF (either byte
 * order, with a GPS IFD and an artist), XMP, IPTC, comments, non-ICC APP2 blocks (MPF, FlashPix), vendor
 * APPn blocks, more than one EXIF segment, segments between the scan and the end marker, and data after the
 * end (an MPO's second image with its own GPS, a vendor trailer). Each private value is a distinctive token;
 * the stripped bytes must contain none of them, have no GPS for exifr, still decode to the same size, keep the
 * orientation of the first EXIF segment and keep the ICC profile. Shared by metadata.fuzz.test.ts (CI) and
 * bench/fuzz.
 */
import exifr from 'exifr';
import fc from 'fast-check';
import { fuzzProperty, type FuzzProperty } from '../../../shared/src/fuzz/fuzz-property';
import { jpegOrientation } from '../../src/engines/image-size';
import { decode } from '../../src/engines/pixels';
import { FirstImageData, firstImageData, stripPrivateMetadata } from '../../src/services/ingest/metadata';
import { walkJpegHeader } from '../../src/services/ingest/inspect';
import { makeJpeg } from '../fixtures/cdn/images';
import { fixture } from '../fixtures/fixtures.generated';

/** A baseline JPEG with no metadata segment at all (jpeg-js), beside the fixtures. */
const GENERATED_JPEG = makeJpeg(24, 16);

const text = (value: string) => new TextEncoder().encode(value);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
};

/** A JPEG marker segment: FF, marker, big-endian length (itself included), payload. */
export function segment(marker: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  out.set([0xff, marker, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]);
  out.set(payload, 4);
  return out;
}

/**
 * An EXIF APP1 segment: IFD0 with Orientation, Artist (`artist`) and a GPS IFD pointer; the GPS IFD with a
 * latitude (51° 30′ N) and GPSAreaInformation holding `place`. Either byte order.
 */
export function exifSegment(options: {
  orientation: number;
  artist: string;
  place: string;
  littleEndian?: boolean;
}): Uint8Array {
  const le = options.littleEndian ?? false;
  const artist = text(`${options.artist}\0`);
  const place = concat(text('ASCII\0\0\0'), text(options.place));
  const ifd0At = 8;
  const ifd0Size = 2 + 3 * 12 + 4;
  const artistAt = ifd0At + ifd0Size;
  const gpsAt = artistAt + artist.length + (artist.length % 2);
  const gpsSize = 2 + 3 * 12 + 4;
  const rationalsAt = gpsAt + gpsSize;
  const placeAt = rationalsAt + 24;
  const tiff = new Uint8Array(placeAt + place.length);
  const view = new DataView(tiff.buffer);
  tiff.set(le ? [0x49, 0x49] : [0x4d, 0x4d]);
  view.setUint16(2, 42, le);
  view.setUint32(4, ifd0At, le);
  const entry = (at: number, tag: number, type: number, count: number, value: number, short = false) => {
    view.setUint16(at, tag, le);
    view.setUint16(at + 2, type, le);
    view.setUint32(at + 4, count, le);
    if (short) view.setUint16(at + 8, value, le);
    else view.setUint32(at + 8, value, le);
  };
  view.setUint16(ifd0At, 3, le);
  entry(ifd0At + 2, 0x0112, 3, 1, options.orientation, true);
  entry(ifd0At + 14, 0x013b, 2, artist.length, artistAt);
  entry(ifd0At + 26, 0x8825, 4, 1, gpsAt);
  tiff.set(artist, artistAt);
  view.setUint16(gpsAt, 3, le);
  // GPSLatitudeRef "N" fits in the entry itself.
  view.setUint16(gpsAt + 2, 0x0001, le);
  view.setUint16(gpsAt + 4, 2, le);
  view.setUint32(gpsAt + 6, 2, le);
  tiff.set(text('N\0'), gpsAt + 10);
  entry(gpsAt + 14, 0x0002, 5, 3, rationalsAt);
  entry(gpsAt + 26, 0x001c, 7, place.length, placeAt);
  [51, 1, 30, 1, 0, 1].forEach((value, i) => view.setUint32(rationalsAt + i * 4, value, le));
  tiff.set(place, placeAt);
  return segment(0xe1, concat(text('Exif\0\0'), tiff));
}

/** What one generated private block is, and where it goes. */
type Block =
  | { kind: 'exif'; orientation: number; littleEndian: boolean }
  | { kind: 'xmp' | 'iptc' | 'comment' | 'mpf' | 'flashpix' | 'vendor'; marker: number }
  | { kind: 'icc' };

export interface JpegLayout {
  base: 'stripe.jpg' | 'photo-gps.jpg' | 'generated';
  header: Block[];
  /** A comment or vendor block between the scan data and the end marker. */
  beforeEnd: boolean;
  /** What follows the end marker. */
  trailer: 'none' | 'mpo' | 'vendor' | 'zeros';
}

/** The private tokens a layout hides; none may survive stripping. */
export const SECRET = {
  artist: 'ARTIST-Jane-Secret',
  place: 'PLACE-Hidden-Cove',
  xmp: 'XMP-Creator-Secret',
  iptc: 'IPTC-Byline-Secret',
  comment: 'COMMENT-Serial-SN12345',
  app2: 'APP2-Block-Secret',
  vendor: 'VENDOR-Serial-SN67890',
  trailer: 'TRAILER-Secret',
} as const;

/** The ICC profile every layout with an `icc` block carries (a stand-in profile: decoders ignore APP2). */
const ICC_PAYLOAD = concat(
  text('ICC_PROFILE\0'),
  Uint8Array.from([1, 1]),
  text('pixelflare-test-icc-profile'),
);

function blockBytes(block: Block, index: number): Uint8Array {
  switch (block.kind) {
    case 'exif':
      return exifSegment({
        orientation: block.orientation,
        artist: `${SECRET.artist}-${index}`,
        place: `${SECRET.place}-${index}`,
        littleEndian: block.littleEndian,
      });
    case 'xmp':
      return segment(
        0xe1,
        text(
          `http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description dc:creator="${SECRET.xmp}" exif:GPSLatitude="51,30N"/></x:xmpmeta>`,
        ),
      );
    case 'iptc':
      return segment(
        0xed,
        concat(text('Photoshop 3.0\x008BIM'), Uint8Array.from([4, 4, 0, 0]), text(SECRET.iptc)),
      );
    case 'comment':
      return segment(0xfe, text(SECRET.comment));
    case 'mpf':
      return segment(0xe2, concat(text('MPF\0MM\0*'), text(SECRET.app2)));
    case 'flashpix':
      return segment(0xe2, concat(text('FPXR\0'), text(SECRET.app2)));
    case 'vendor':
      return segment(block.marker, text(`Vendor\0${SECRET.vendor}`));
    case 'icc':
      return segment(0xe2, ICC_PAYLOAD);
  }
}

const indexOf = (haystack: Uint8Array, needle: Uint8Array) => {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
};

/** The JPEG a layout describes, and what stripping it must keep. */
export function buildJpeg(layout: JpegLayout): {
  bytes: Uint8Array;
  orientation: number;
  hasIcc: boolean;
} {
  const base = layout.base === 'generated' ? GENERATED_JPEG : fixture(layout.base);
  const beforeEnd = layout.beforeEnd ? segment(0xfe, text(`${SECRET.comment}-between`)) : new Uint8Array();
  const second = concat(
    Uint8Array.from([0xff, 0xd8]),
    exifSegment({ orientation: 3, artist: `${SECRET.trailer}-mpo`, place: `${SECRET.trailer}-mpo-place` }),
    base.subarray(2),
  );
  const trailer = {
    none: new Uint8Array(),
    mpo: second,
    vendor: concat(text('SEFH'), text(SECRET.trailer), text('SEFT')),
    zeros: new Uint8Array(16),
  }[layout.trailer];
  const bytes = concat(
    base.subarray(0, 2),
    ...layout.header.map(blockBytes),
    base.subarray(2, base.length - 2),
    beforeEnd,
    base.subarray(base.length - 2),
    trailer,
  );
  const firstExif = layout.header.find((block) => block.kind === 'exif');
  // The base's own EXIF (if any) comes after the generated blocks: the first EXIF wins.
  const orientation =
    firstExif?.kind === 'exif' ? firstExif.orientation : jpegOrientation(base.subarray(0, base.length));
  return { bytes, orientation, hasIcc: layout.header.some((block) => block.kind === 'icc') };
}

const vendorMarker = fc.constantFrom(0xe3, 0xe4, 0xe5, 0xe9, 0xea, 0xeb, 0xef);
const block: fc.Arbitrary<Block> = fc.oneof(
  fc.record({
    kind: fc.constant('exif' as const),
    orientation: fc.integer({ min: 1, max: 8 }),
    littleEndian: fc.boolean(),
  }),
  fc.record({
    kind: fc.constantFrom(
      'xmp' as const,
      'iptc' as const,
      'comment' as const,
      'mpf' as const,
      'flashpix' as const,
    ),
    marker: fc.constant(0),
  }),
  fc.record({ kind: fc.constant('vendor' as const), marker: vendorMarker }),
  fc.record({ kind: fc.constant('icc' as const) }),
);

export const jpegLayout: fc.Arbitrary<JpegLayout> = fc.record({
  base: fc.constantFrom('stripe.jpg' as const, 'photo-gps.jpg' as const, 'generated' as const),
  header: fc.array(block, { minLength: 0, maxLength: 8 }),
  beforeEnd: fc.boolean(),
  trailer: fc.constantFrom('none' as const, 'mpo' as const, 'vendor' as const, 'zeros' as const),
});

/** Every private token of `SECRET` that `bytes` still holds (empty when clean). */
export function leakedSecrets(bytes: Uint8Array): string[] {
  return Object.values(SECRET).filter((token) => indexOf(bytes, text(token)) >= 0);
}

/** Asserts what stripping one JPEG must give; throws (a fast-check failure) with the reason otherwise. */
export async function checkStrippedJpeg(layout: JpegLayout): Promise<void> {
  const input = buildJpeg(layout);
  const source = decode(input.bytes);
  const size = { width: source.get_width(), height: source.get_height() };
  source.free();
  const { bytes, orientation } = await stripPrivateMetadata(input.bytes, 'image/jpeg');
  const leaks = leakedSecrets(bytes);
  if (leaks.length > 0) throw new Error(`kept private data: ${leaks.join(', ')}`);
  const gps = await exifr.gps(bytes).catch(() => undefined);
  if (gps && (gps.latitude !== undefined || gps.longitude !== undefined)) throw new Error('kept GPS');
  const out = decode(bytes);
  const outSize = { width: out.get_width(), height: out.get_height() };
  out.free();
  if (outSize.width !== size.width || outSize.height !== size.height) {
    throw new Error(`decodes to ${outSize.width}x${outSize.height}, not ${size.width}x${size.height}`);
  }
  if (jpegOrientation(bytes) !== input.orientation || orientation !== input.orientation) {
    throw new Error(
      `orientation ${jpegOrientation(bytes)} (reported ${orientation}), not ${input.orientation}`,
    );
  }
  if (input.hasIcc && indexOf(bytes, ICC_PAYLOAD) < 0) throw new Error('dropped the ICC profile');
}

/** A PNG chunk: length, type, data, CRC (not checked by the stripper or the decoder used here). */
function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(text(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export interface PngLayout {
  /** Private chunks, each placed after IHDR (`early`) or just before IEND. */
  chunks: { type: 'tEXt' | 'zTXt' | 'iTXt' | 'eXIf'; early: boolean }[];
  trailer: boolean;
}

export const pngLayout: fc.Arbitrary<PngLayout> = fc.record({
  chunks: fc.array(
    fc.record({
      type: fc.constantFrom('tEXt' as const, 'zTXt' as const, 'iTXt' as const, 'eXIf' as const),
      early: fc.boolean(),
    }),
    { maxLength: 5 },
  ),
  trailer: fc.boolean(),
});

export function buildPng(layout: PngLayout): Uint8Array {
  const base = fixture('tiny.png');
  const ihdrEnd = 8 + 25;
  const iendAt = base.length - 12;
  const chunk = (type: PngLayout['chunks'][number]['type'], i: number) =>
    type === 'eXIf'
      ? pngChunk(
          'eXIf',
          exifSegment({ orientation: 6, artist: SECRET.artist, place: SECRET.place }).subarray(10),
        )
      : pngChunk(type, text(`Author\0${type === 'tEXt' ? '' : '\0\0\0\0'}${SECRET.xmp}-${i}`));
  return concat(
    base.subarray(0, ihdrEnd),
    ...layout.chunks.filter((c) => c.early).map((c, i) => chunk(c.type, i)),
    base.subarray(ihdrEnd, iendAt),
    ...layout.chunks.filter((c) => !c.early).map((c, i) => chunk(c.type, i + 10)),
    base.subarray(iendAt),
    layout.trailer ? text(`trailing ${SECRET.trailer}`) : new Uint8Array(),
  );
}

export async function checkStrippedPng(layout: PngLayout): Promise<void> {
  const input = buildPng(layout);
  const { bytes } = await stripPrivateMetadata(input, 'image/png');
  const leaks = leakedSecrets(bytes);
  if (leaks.length > 0) throw new Error(`kept private data: ${leaks.join(', ')}`);
  const out = decode(bytes);
  out.free();
}

/**
 * The bounded path filters a large JPEG's image data as it streams from R2, chunk by chunk: cut the data of any
 * layout at any points, and the kept bytes and the names of what was dropped must be those of one whole pass.
 */
export function checkChunkedImageData(layout: JpegLayout, cuts: number[]): void {
  const { bytes } = buildJpeg(layout);
  const { scanOffset } = walkJpegHeader(bytes);
  const whole = firstImageData(bytes, scanOffset);
  const data = bytes.subarray(scanOffset);
  const points = [...new Set(cuts.map((cut) => cut % (data.length + 1)))].sort((a, b) => a - b);
  const filter = new FirstImageData();
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const point of [...points, data.length]) {
    parts.push(...filter.push(data.subarray(from, point)));
    from = point;
  }
  parts.push(...filter.finish());
  const chunked = concat(...parts);
  if (chunked.length !== whole.bytes.length || chunked.some((byte, i) => byte !== whole.bytes[i]))
    throw new Error(
      `cut at ${points.join(',')}: ${chunked.length} bytes kept, one pass keeps ${whole.bytes.length}`,
    );
  if (filter.removed.join() !== whole.removed.join())
    throw new Error(
      `cut at ${points.join(',')}: dropped ${filter.removed.join()}, not ${whole.removed.join()}`,
    );
}

export const metadataProperties: FuzzProperty[] = [
  fuzzProperty(
    'JPEG: no private token or GPS survives, the output decodes, orientation and ICC are kept',
    150,
    fc.asyncProperty(jpegLayout, checkStrippedJpeg),
  ),
  fuzzProperty(
    'PNG: no text chunk, eXIf or trailing data survives, and the output decodes',
    100,
    fc.asyncProperty(pngLayout, checkStrippedPng),
  ),
  fuzzProperty(
    'JPEG image data filtered in chunks (the bounded path) keeps exactly what one pass keeps, at any cuts',
    200,
    fc.property(jpegLayout, fc.array(fc.nat(), { maxLength: 12 }), checkChunkedImageData),
  ),
];
