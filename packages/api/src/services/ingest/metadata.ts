import type { ImageContentType } from '@pixelflare/config';
import type { ExifSummary } from '@pixelflare/database';
import exifr from 'exifr';
import { walkJpegHeader } from './inspect';

/** Result of removing private metadata from an original: the bytes to store and what was kept or removed. */
export interface StrippedImage {
  bytes: Uint8Array;
  summary: ExifSummary | null;
  /** The EXIF orientation the stored bytes keep (1–8; 1 when none): what every viewer and rendition applies. */
  orientation: number;
}

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
};
const ascii = (bytes: Uint8Array, start: number, length: number) =>
  String.fromCharCode(...bytes.subarray(start, start + length));
const startsWith = (bytes: Uint8Array, start: number, text: string) =>
  ascii(bytes, start, text.length) === text;

interface ExifTags {
  Orientation?: number;
  Make?: string;
  Model?: string;
  DateTimeOriginal?: Date | string;
  [tag: string]: unknown;
}

/**
 * What exifr reads: TIFF, Exif and GPS IFDs. One constant on purpose: exifr keeps the parsed form of every
 * options object it is given in a module-level Map keyed by that object (`Options.useCached`), never evicted,
 * so a literal per call grew the isolate's heap by about 2 KB an upload (found by bench/soak's heap snapshots).
 */
const EXIF_OPTIONS = {
  tiff: true,
  exif: true,
  gps: true,
  ifd1: false,
  interop: false,
  xmp: false,
  icc: false,
  iptc: false,
  jfif: false,
  ihdr: false,
  translateKeys: true,
  translateValues: false,
  reviveValues: true,
  mergeOutput: true,
};

/** Reads EXIF with exifr; `null` when there is none or it cannot be parsed. */
async function readExif(bytes: Uint8Array): Promise<ExifTags | null> {
  try {
    const tags = (await exifr.parse(bytes, EXIF_OPTIONS)) as ExifTags | undefined;
    return tags ?? null;
  } catch {
    return null;
  }
}

/** A minimal big-endian EXIF APP1 segment carrying only the Orientation tag. */
function orientationSegment(orientation: number): Uint8Array {
  const payload = new Uint8Array(6 + 8 + 2 + 12 + 4);
  payload.set([0x45, 0x78, 0x69, 0x66, 0, 0], 0); // "Exif\0\0"
  const view = new DataView(payload.buffer);
  payload.set([0x4d, 0x4d], 6); // "MM"
  view.setUint16(8, 42);
  view.setUint32(10, 8); // IFD0 right after the header
  view.setUint16(14, 1); // one entry
  view.setUint16(16, 0x0112); // Orientation
  view.setUint16(18, 3); // SHORT
  view.setUint32(20, 1);
  view.setUint16(24, orientation);
  view.setUint32(26, 0); // no next IFD
  const segment = new Uint8Array(4 + payload.length);
  segment.set([0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 0xff], 0);
  segment.set(payload, 4);
  return segment;
}

function summarise(tags: ExifTags | null, removedSegments: string[], keptIcc: boolean): ExifSummary | null {
  const strippedTags = tags
    ? Object.keys(tags).filter((tag) => tag !== 'Orientation' && !/^(latitude|longitude)$/.test(tag))
    : [];
  const kept = [...(tags?.Orientation ? ['Orientation'] : []), ...(keptIcc ? ['ICC profile'] : [])];
  const stripped = [...strippedTags, ...removedSegments];
  if (kept.length === 0 && stripped.length === 0) return null;
  const summary: ExifSummary = { kept, stripped };
  const camera = [tags?.Make, tags?.Model]
    .filter((part) => typeof part === 'string')
    .join(' ')
    .trim();
  if (camera) summary.camera = camera;
  const taken = tags?.DateTimeOriginal;
  if (taken instanceof Date && !Number.isNaN(taken.getTime())) summary.takenAt = taken.toISOString();
  return summary;
}

/**
 * JPEG: rebuilds the header segments (`header` is the file up to its start-of-scan marker; the image data
 * after it is handled by `firstImageData`, so large files can be stripped from their head alone). EXIF (APP1)
 * is replaced by one holding only the orientation, so GPS, serial numbers, owner/artist names and every other
 * tag are gone; XMP (APP1), IPTC/Photoshop (APP13), comments, APP2 blocks other than the ICC profile (an MPO's
 * MPF index, FlashPix) and vendor APPn blocks are dropped; JFIF, the ICC profile (APP2) and Adobe (APP14,
 * needed to decode CMYK) are kept. Expects a header already walked by `walkJpegHeader`.
 */
export async function stripJpegHeader(header: Uint8Array): Promise<StrippedImage> {
  const tags = await readExif(header);
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const parts: Uint8Array[] = [header.subarray(0, 2)];
  const removed = new Set<string>();
  let keptIcc = false;
  let offset = 2;
  let wroteOrientation = false;
  const orientation = typeof tags?.Orientation === 'number' ? tags.Orientation : 1;
  while (offset + 4 <= header.length) {
    const marker = header[offset + 1]!;
    if (marker === 0xff) {
      offset += 1;
      continue;
    }
    if (marker === 0xda) break;
    const end = offset + 2 + view.getUint16(offset + 2);
    const segment = header.subarray(offset, end);
    const body = offset + 4;
    if (marker === 0xe1 && startsWith(header, body, 'Exif')) {
      if (!wroteOrientation && orientation !== 1) parts.push(orientationSegment(orientation));
      wroteOrientation = true;
    } else if (marker === 0xe1) {
      removed.add(startsWith(header, body, 'http://ns.adobe.com/xap') ? 'XMP' : 'APP1');
    } else if (marker === 0xe2 && !startsWith(header, body, 'ICC_PROFILE')) {
      removed.add(startsWith(header, body, 'MPF') ? 'MPF' : 'APP2');
    } else if (marker === 0xed) {
      removed.add('IPTC');
    } else if (marker === 0xfe) {
      removed.add('Comment');
    } else if (marker >= 0xe3 && marker <= 0xef && marker !== 0xee) {
      removed.add(`APP${marker - 0xe0}`); // maker-specific blocks (e.g. FLIR, Ducky)
    } else {
      if (marker === 0xe2) keptIcc = true;
      parts.push(segment);
    }
    offset = end;
  }
  parts.push(header.subarray(offset));
  return {
    bytes: concat(parts),
    summary: summarise(tags, [...removed], keptIcc),
    orientation: wroteOrientation ? orientation : 1,
  };
}

/** Bytes after 0xFF inside entropy-coded data that are not segments: stuffing, fill, restart markers. */
const isScanByte = (marker: number) =>
  marker === 0x00 || marker === 0xff || (marker >= 0xd0 && marker <= 0xd7);

/** APPn and comment segments: where private metadata lives, also between scans. */
const isMetadataSegment = (marker: number) => (marker >= 0xe0 && marker <= 0xef) || marker === 0xfe;

/**
 * The image data from the first start-of-scan to the first image's end marker: scans and the tables between
 * them kept, APPn and comment segments between them dropped, and everything after the end marker dropped (an
 * MPO's further images with their own EXIF and GPS, an appended file, a vendor trailer). Without an end marker
 * (inspect refuses those first) the data runs to the end.
 *
 * Incremental, so the bounded path can run it over a JPEG streamed from R2 chunk by chunk: `push` each chunk
 * (starting at the start-of-scan marker) and keep what it returns, then `finish`. At most three bytes (a marker
 * and its length split across chunks) are held between calls; any split gives the same bytes.
 */
export class FirstImageData {
  private readonly removedParts = new Set<string>();
  private mode: 'scan' | 'copy' | 'skip' | 'ended' = 'scan';
  /** Bytes of the current segment still to copy or skip. */
  private left = 0;
  private held: Uint8Array = new Uint8Array();

  /** What was dropped, by name (`APP1`, `Comment`, `Trailing data`). */
  get removed(): string[] {
    return [...this.removedParts];
  }

  push(chunk: Uint8Array): Uint8Array[] {
    const data = this.held.length === 0 ? chunk : concat([this.held, chunk]);
    this.held = new Uint8Array();
    const out: Uint8Array[] = [];
    let keptFrom = 0;
    let at = 0;
    const keep = (until: number) => {
      if (until > keptFrom) out.push(data.subarray(keptFrom, until));
    };
    while (at < data.length) {
      if (this.mode === 'ended') {
        // Zero padding after the end marker (some encoders write it) is not worth a mention.
        if (data.subarray(at).some((byte) => byte !== 0)) this.removedParts.add('Trailing data');
        return out;
      }
      if (this.mode === 'copy' || this.mode === 'skip') {
        const step = Math.min(this.left, data.length - at);
        at += step;
        this.left -= step;
        if (this.mode === 'skip') keptFrom = at;
        if (this.left === 0) this.mode = 'scan';
        continue;
      }
      const ff = data.indexOf(0xff, at);
      if (ff < 0) {
        at = data.length;
        break;
      }
      if (ff + 1 >= data.length) return this.hold(out, keep, data, ff);
      const marker = data[ff + 1]!;
      if (isScanByte(marker)) {
        at = ff + (marker === 0xff ? 1 : 2);
        continue;
      }
      if (marker === 0xd9) {
        at = ff + 2;
        keep(at);
        keptFrom = at;
        this.mode = 'ended';
        continue;
      }
      if (ff + 4 > data.length) return this.hold(out, keep, data, ff);
      this.left = 2 + ((data[ff + 2]! << 8) | data[ff + 3]!);
      if (isMetadataSegment(marker)) {
        keep(ff);
        keptFrom = ff;
        this.removedParts.add(marker === 0xfe ? 'Comment' : `APP${marker - 0xe0}`);
        this.mode = 'skip';
      } else this.mode = 'copy';
      at = ff;
    }
    keep(at);
    return out;
  }

  /** The stream ended: a marker cut off at the very end is kept as data, unless it began a metadata segment. */
  finish(): Uint8Array[] {
    const held = this.held;
    this.held = new Uint8Array();
    if (held.length === 0) return [];
    if (held.length >= 2 && isMetadataSegment(held[1]!)) {
      this.removedParts.add(held[1] === 0xfe ? 'Comment' : `APP${held[1]! - 0xe0}`);
      return [];
    }
    return [held];
  }

  private hold(out: Uint8Array[], keep: (until: number) => void, data: Uint8Array, from: number) {
    keep(from);
    this.held = data.slice(from);
    return out;
  }
}

/** `FirstImageData` over bytes in memory (the in-memory ingest path). */
export function firstImageData(
  data: Uint8Array,
  scanOffset: number,
): { bytes: Uint8Array; removed: string[] } {
  const filter = new FirstImageData();
  const parts = [...filter.push(data.subarray(scanOffset)), ...filter.finish()];
  return { bytes: parts.length === 1 ? parts[0]! : concat(parts), removed: filter.removed };
}

/**
 * `FirstImageData` as a stream of a JPEG's data from its start-of-scan marker on, counting what passes: the
 * bounded path hashes this once for the length and hash, then streams it again into R2.
 */
export function firstImageDataStream(): {
  stream: TransformStream<Uint8Array, Uint8Array>;
  filter: FirstImageData;
  bytesOut: () => number;
} {
  const filter = new FirstImageData();
  let bytesOut = 0;
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      for (const part of filter.push(chunk)) {
        bytesOut += part.length;
        controller.enqueue(part);
      }
    },
    flush(controller) {
      for (const part of filter.finish()) {
        bytesOut += part.length;
        controller.enqueue(part);
      }
    },
  });
  return { stream, filter, bytesOut: () => bytesOut };
}

async function stripJpeg(bytes: Uint8Array): Promise<StrippedImage> {
  const { scanOffset } = walkJpegHeader(bytes);
  const { bytes: header, summary, orientation } = await stripJpegHeader(bytes.subarray(0, scanOffset));
  const image = firstImageData(bytes, scanOffset);
  return { bytes: concat([header, image.bytes]), summary: withDropped(summary, image.removed), orientation };
}

/** The header's summary, with what the image data lost (segments between scans, a trailer) among `stripped`. */
export function withDropped(summary: ExifSummary | null, dropped: string[]): ExifSummary | null {
  if (dropped.length === 0) return summary;
  return {
    ...(summary ?? { kept: [] }),
    stripped: [...new Set([...(summary?.stripped ?? []), ...dropped])],
  };
}

/**
 * PNG: drops eXIf (orientation too, so the stored pixels are upright as stored), the text chunks
 * (tEXt/zTXt/iTXt, where XMP and author names live) and anything after IEND; keeps iCCP.
 */
async function stripPng(bytes: Uint8Array): Promise<StrippedImage> {
  const tags = await readExif(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  const removed = new Set<string>();
  let keptIcc = false;
  let offset = 8;
  while (offset + 12 <= bytes.length) {
    const length = view.getUint32(offset);
    const type = ascii(bytes, offset + 4, 4);
    const end = offset + 12 + length;
    if (type === 'eXIf' || type === 'tEXt' || type === 'zTXt' || type === 'iTXt') removed.add(type);
    else {
      if (type === 'iCCP') keptIcc = true;
      parts.push(bytes.subarray(offset, end));
    }
    offset = end;
    if (type === 'IEND') break;
  }
  // Whatever follows IEND (an appended file, a polyglot's payload) is dropped too.
  if (offset < bytes.length) removed.add('Trailing data');
  if (removed.size === 0) return { bytes, summary: summarise(null, [], keptIcc), orientation: 1 };
  return { bytes: concat(parts), summary: summarise(tags, [...removed], keptIcc), orientation: 1 };
}

/** WebP (extended): drops the EXIF and XMP chunks, clears their VP8X flags and fixes the RIFF size. */
async function stripWebp(bytes: Uint8Array): Promise<StrippedImage> {
  if (ascii(bytes, 12, 4) !== 'VP8X') return { bytes, summary: null, orientation: 1 };
  const tags = await readExif(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: Uint8Array[] = [];
  const removed = new Set<string>();
  let keptIcc = false;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const type = ascii(bytes, offset, 4);
    const length = view.getUint32(offset + 4, true);
    const end = Math.min(bytes.length, offset + 8 + length + (length % 2));
    if (type === 'EXIF' || type === 'XMP ') removed.add(type.trim());
    else {
      if (type === 'ICCP') keptIcc = true;
      parts.push(bytes.subarray(offset, end));
    }
    offset = end;
  }
  if (removed.size === 0) return { bytes, summary: summarise(null, [], keptIcc), orientation: 1 };
  const body = concat(parts);
  body[8] = body[8]! & ~(0x08 | 0x04); // VP8X flags: clear EXIF (bit 3) and XMP (bit 2)
  const header = new Uint8Array(12);
  header.set(bytes.subarray(0, 12));
  new DataView(header.buffer).setUint32(4, body.length + 4, true);
  return { bytes: concat([header, body]), summary: summarise(tags, [...removed], keptIcc), orientation: 1 };
}

/** Removes location and identifying metadata from an original, keeping orientation and colour profile. */
export async function stripPrivateMetadata(
  bytes: Uint8Array,
  contentType: ImageContentType,
): Promise<StrippedImage> {
  if (contentType === 'image/jpeg') return stripJpeg(bytes);
  if (contentType === 'image/png') return stripPng(bytes);
  if (contentType === 'image/webp') return stripWebp(bytes);
  // GIF and SVG carry no EXIF; AVIF's Exif item is left as is (rare from cameras; documented). AVIF turns
  // with its own irot/imir boxes, which no engine here reads, so its stored size is the size shown.
  return { bytes, summary: null, orientation: 1 };
}
