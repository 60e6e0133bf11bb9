import type { ImageContentType } from '@pixelflare/config';
import type { TransformMetadata } from '@pixelflare/shared';

/**
 * `metadata=`: the EXIF a JPEG output carries, written here after the engine so every engine gives the same
 * bytes (engines write none of their own: Photon and sharp drop it, and whatever the production binding keeps
 * is removed first). As with Cloudflare Images, only JPEG outputs carry metadata; WebP, PNG, AVIF and GIF
 * outputs carry none. The EXIF comes from a JPEG original's APP1 segment:
 *
 * - `none`: no EXIF.
 * - `copyright` (the default): an EXIF holding only the original's Copyright tag (0x8298), none without one.
 * - `keep`: the original's EXIF segment as stored, its Orientation written as 1 (the output is upright already).
 *
 * Stored originals went through ingest, which keeps only the Orientation tag (services/ingest/metadata.ts), so
 * for uploaded images `keep` gives that one tag and `copyright` gives nothing. Colour profiles are not metadata
 * here: each engine handles the ICC profile as it does for every output (see the CDN guide).
 */

interface Segment {
  marker: number;
  /** Offset of the 0xFF of the marker. */
  start: number;
  /** Offset just past the segment. */
  end: number;
}

const ascii = (bytes: Uint8Array, start: number, length: number) =>
  String.fromCharCode(...bytes.subarray(start, Math.min(bytes.length, start + length)));

/** The header segments of a JPEG up to (not including) its start of scan; `null` when it is not one. */
function headerSegments(bytes: Uint8Array): { segments: Segment[]; scan: number } | null {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const segments: Segment[] = [];
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return null;
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset += 1;
      continue;
    }
    if (marker === 0xda) return { segments, scan: offset };
    const end = offset + 2 + view.getUint16(offset + 2);
    if (end > bytes.length) return null;
    segments.push({ marker, start: offset, end });
    offset = end;
  }
  return null;
}

const isExif = (bytes: Uint8Array, segment: Segment) =>
  segment.marker === 0xe1 && ascii(bytes, segment.start + 4, 6) === 'Exif\0\0';

/** Segments that hold metadata a JPEG output must not carry unasked: EXIF and XMP (APP1), IPTC (APP13), comments. */
const isMetadata = (marker: number) => marker === 0xe1 || marker === 0xed || marker === 0xfe;

/** The TIFF body of a JPEG's EXIF segment (a copy), or `null`. */
function exifTiff(source: Uint8Array): Uint8Array | null {
  const header = headerSegments(source);
  const segment = header?.segments.find((s) => isExif(source, s));
  return segment ? source.slice(segment.start + 10, segment.end) : null;
}

interface IfdEntry {
  tag: number;
  type: number;
  count: number;
  /** Offset of the entry's 4-byte value field in the TIFF. */
  at: number;
}

/** IFD0's entries, every offset checked; `null` for a TIFF that does not hold together. */
function ifd0(tiff: Uint8Array): { entries: IfdEntry[]; little: boolean; view: DataView } | null {
  if (tiff.length < 8) return null;
  const order = ascii(tiff, 0, 2);
  if (order !== 'II' && order !== 'MM') return null;
  const little = order === 'II';
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > tiff.length) return null;
  const count = view.getUint16(ifd, little);
  if (ifd + 2 + count * 12 > tiff.length) return null;
  const entries: IfdEntry[] = [];
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    entries.push({
      tag: view.getUint16(entry, little),
      type: view.getUint16(entry + 2, little),
      count: view.getUint32(entry + 4, little),
      at: entry + 8,
    });
  }
  return { entries, little, view };
}

/** The original's Copyright (0x8298, ASCII) bytes, NUL included, or `null`. */
function copyrightOf(tiff: Uint8Array): Uint8Array | null {
  const parsed = ifd0(tiff);
  const entry = parsed?.entries.find((e) => e.tag === 0x8298 && e.type === 2);
  if (!parsed || !entry || entry.count === 0) return null;
  const start = entry.count <= 4 ? entry.at : parsed.view.getUint32(entry.at, parsed.little);
  if (start + entry.count > tiff.length) return null;
  return tiff.slice(start, start + entry.count);
}

/** An APP1 EXIF segment of a big-endian TIFF whose IFD0 holds only a Copyright tag. */
function copyrightSegment(value: Uint8Array): Uint8Array {
  const inline = value.length <= 4;
  const tiffLength = 8 + 2 + 12 + 4 + (inline ? 0 : value.length);
  const tiff = new Uint8Array(tiffLength);
  const view = new DataView(tiff.buffer);
  tiff.set([0x4d, 0x4d], 0);
  view.setUint16(2, 42);
  view.setUint32(4, 8);
  view.setUint16(8, 1);
  view.setUint16(10, 0x8298);
  view.setUint16(12, 2); // ASCII
  view.setUint32(14, value.length);
  if (inline) tiff.set(value, 18);
  else {
    view.setUint32(18, 26);
    tiff.set(value, 26);
  }
  view.setUint32(22, 0); // no next IFD
  return app1Of(tiff);
}

function app1Of(tiff: Uint8Array): Uint8Array {
  const length = 2 + 6 + tiff.length;
  const segment = new Uint8Array(2 + length);
  segment.set([0xff, 0xe1, length >> 8, length & 0xff, 0x45, 0x78, 0x69, 0x66, 0, 0], 0);
  segment.set(tiff, 10);
  return segment;
}

/** The original's whole EXIF with IFD0's Orientation set to 1; `null` when it does not hold together. */
function keptSegment(tiff: Uint8Array): Uint8Array | null {
  const parsed = ifd0(tiff);
  if (!parsed) return null;
  const orientation = parsed.entries.find((e) => e.tag === 0x0112 && e.type === 3);
  if (orientation) parsed.view.setUint16(orientation.at, 1, parsed.little);
  // Too large for one segment (64 KB): keep nothing rather than a broken file.
  return tiff.length + 8 <= 0xffff ? app1Of(tiff) : null;
}

/** The EXIF segment `mode` asks for from the original, or `null` for none. */
function exifFor(
  mode: TransformMetadata,
  source: Uint8Array,
  sourceType: ImageContentType,
): Uint8Array | null {
  if (mode === 'none' || sourceType !== 'image/jpeg') return null;
  const tiff = exifTiff(source);
  if (!tiff) return null;
  if (mode === 'keep') return keptSegment(tiff);
  const copyright = copyrightOf(tiff);
  return copyright ? copyrightSegment(copyright) : null;
}

/**
 * A JPEG output with the metadata `mode` asks for: the output's own EXIF, XMP, IPTC and comments removed, then
 * the original's EXIF (as `mode` filters it) inserted after the JFIF segment. Other outputs are returned as they
 * are, as is a JPEG whose header cannot be read.
 */
export function withOutputMetadata(
  output: Uint8Array,
  outputType: ImageContentType,
  mode: TransformMetadata,
  source: Uint8Array,
  sourceType: ImageContentType,
): Uint8Array {
  if (outputType !== 'image/jpeg') return output;
  const header = headerSegments(output);
  if (!header) return output;
  const exif = exifFor(mode, source, sourceType);
  const kept = header.segments.filter((segment) => !isMetadata(segment.marker));
  if (!exif && kept.length === header.segments.length) return output;
  const parts: Uint8Array[] = [output.subarray(0, 2)];
  let inserted = !exif;
  for (const segment of kept) {
    if (!inserted && segment.marker !== 0xe0) {
      parts.push(exif!);
      inserted = true;
    }
    parts.push(output.subarray(segment.start, segment.end));
  }
  if (!inserted) parts.push(exif!);
  parts.push(output.subarray(header.scan));
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The TIFF body of a JPEG's EXIF segment, `null` without one. */
export const exifOfJpeg = exifTiff;
