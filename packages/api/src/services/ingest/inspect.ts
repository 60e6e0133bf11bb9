import {
  CONTENT_TYPE_DETECTION_SAMPLE_SIZE,
  IMAGE_MAGIC_BYTES,
  type ImageContentType,
} from '@pixelflare/config';
import { AppError } from '../../lib/errors';
import { checkSvg } from './svg';

/** What the bytes say an upload is. Names and client content types are never consulted. */
export interface InspectedImage {
  contentType: ImageContentType;
  width: number;
  height: number;
  isAnimated: boolean;
}

export const unsupported = () =>
  new AppError(
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    'Not a supported image: JPEG, PNG, GIF, WebP, AVIF or SVG are accepted, recognised by their content',
  );
export const broken = (detail: string) =>
  new AppError(422, 'UNPROCESSABLE_IMAGE', `The image is unreadable: ${detail}`);

const ascii = (bytes: Uint8Array, start: number, length: number) =>
  String.fromCharCode(...bytes.subarray(start, start + length));

/** Recognises the type from the leading bytes (config `IMAGE_MAGIC_BYTES`), or SVG from its text. */
export function sniffContentType(bytes: Uint8Array): ImageContentType | null {
  for (const signature of IMAGE_MAGIC_BYTES) {
    if (bytes.length < signature.offset + signature.bytes.length) continue;
    const matches = signature.bytes.every(
      (expected, i) => expected === null || bytes[signature.offset + i] === expected,
    );
    if (matches) return signature.type;
  }
  const head = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false })
    .decode(bytes.subarray(0, CONTENT_TYPE_DETECTION_SAMPLE_SIZE))
    .replace(/^\uFEFF/, '')
    .trimStart();
  // An SVG document: optional XML declaration and comments, then the <svg> root.
  const withoutProlog = head.replace(/^(<\?xml[^>]*\?>\s*|<!--[\s\S]*?-->\s*)*/, '');
  if (/^<svg[\s>]/i.test(withoutProlog)) return 'image/svg+xml';
  return null;
}

function need(bytes: Uint8Array, end: number, what: string) {
  if (end > bytes.length) throw broken(`${what} is truncated`);
}

/** Where a JPEG's header segments end (the start-of-scan marker) and the frame size they declare. */
export interface JpegHeader {
  width: number;
  height: number;
  /** Offset of the SOS marker: everything before it is header segments, everything from it is image data. */
  scanOffset: number;
}

/** Walks the JPEG markers up to the scan, reading the frame size. Needs only the bytes up to the scan. */
export function walkJpegHeader(bytes: Uint8Array): JpegHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 2;
  let size: { width: number; height: number } | null = null;
  while (true) {
    need(bytes, offset + 4, 'JPEG marker');
    if (bytes[offset] !== 0xff) throw broken('bad JPEG marker');
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    const length = view.getUint16(offset + 2);
    need(bytes, offset + 2 + length, 'JPEG segment');
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      need(bytes, offset + 9, 'JPEG frame header');
      size = { height: view.getUint16(offset + 5), width: view.getUint16(offset + 7) };
    }
    if (marker === 0xda) break; // start of scan: entropy-coded data follows
    offset += 2 + length;
  }
  if (!size) throw broken('JPEG has no frame header');
  return { ...size, scanOffset: offset };
}

/** Refuses a JPEG whose last bytes (some encoders pad with zeros after it) are not the EOI marker. */
export function checkJpegEnd(tail: Uint8Array): void {
  let end = tail.length;
  while (end > 2 && tail[end - 1] === 0x00) end--;
  if (tail[end - 2] !== 0xff || tail[end - 1] !== 0xd9) throw broken('JPEG is truncated (no end marker)');
}

function inspectJpeg(bytes: Uint8Array) {
  const { width, height } = walkJpegHeader(bytes);
  checkJpegEnd(bytes);
  return { width, height, isAnimated: false };
}

/** Walks every PNG chunk: IHDR first, at least one IDAT, IEND last, every length inside the file. */
function inspectPng(bytes: Uint8Array, view: DataView) {
  let offset = 8;
  let size: { width: number; height: number } | null = null;
  let sawData = false;
  let isAnimated = false;
  while (true) {
    need(bytes, offset + 8, 'PNG chunk');
    const length = view.getUint32(offset);
    const type = ascii(bytes, offset + 4, 4);
    need(bytes, offset + 12 + length, `PNG ${type} chunk`);
    if (offset === 8) {
      if (type !== 'IHDR' || length < 13) throw broken('PNG does not start with IHDR');
      size = { width: view.getUint32(offset + 8), height: view.getUint32(offset + 12) };
    }
    if (type === 'IDAT') sawData = true;
    if (type === 'acTL') isAnimated = true;
    if (type === 'IEND') break;
    offset += 12 + length;
  }
  if (!size || !sawData) throw broken('PNG has no image data');
  return { ...size, isAnimated };
}

/** Skips GIF data sub-blocks (length-prefixed, ended by a zero length); returns the offset after them. */
function skipSubBlocks(bytes: Uint8Array, offset: number): number {
  while (true) {
    need(bytes, offset + 1, 'GIF data block');
    const length = bytes[offset]!;
    offset += 1;
    if (length === 0) return offset;
    offset += length;
  }
}

/** Walks the whole GIF block structure, so a GIF header glued to a script is refused. */
function inspectGif(bytes: Uint8Array, view: DataView) {
  if (!/^GIF8[79]a$/.test(ascii(bytes, 0, 6))) throw broken('bad GIF version');
  need(bytes, 13, 'GIF screen descriptor');
  const width = view.getUint16(6, true);
  const height = view.getUint16(8, true);
  const flags = bytes[10]!;
  let offset = 13 + (flags & 0x80 ? 3 * 2 ** ((flags & 0x07) + 1) : 0);
  let frames = 0;
  while (true) {
    need(bytes, offset + 1, 'GIF block');
    const block = bytes[offset]!;
    if (block === 0x3b) {
      // Anything but padding after the trailer is a polyglot (e.g. a script riding on a GIF).
      if (bytes.subarray(offset + 1).some((byte) => byte !== 0)) throw broken('data after the GIF trailer');
      break;
    }
    if (block === 0x21) {
      offset = skipSubBlocks(bytes, offset + 2);
    } else if (block === 0x2c) {
      need(bytes, offset + 10, 'GIF image descriptor');
      const local = bytes[offset + 9]!;
      offset += 10 + (local & 0x80 ? 3 * 2 ** ((local & 0x07) + 1) : 0);
      offset = skipSubBlocks(bytes, offset + 1); // LZW minimum code size, then the data
      frames++;
    } else {
      throw broken('bad GIF block');
    }
  }
  if (frames === 0) throw broken('GIF has no image');
  return { width, height, isAnimated: frames > 1 };
}

/** Reads the WebP size from the VP8/VP8L/VP8X chunk; the RIFF size must fit the file. */
function inspectWebp(bytes: Uint8Array, view: DataView) {
  need(bytes, 30, 'WebP header');
  const riffEnd = 8 + view.getUint32(4, true);
  need(bytes, riffEnd, 'WebP');
  const chunk = ascii(bytes, 12, 4);
  if (chunk === 'VP8 ') {
    if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) throw broken('bad VP8 frame');
    return {
      width: view.getUint16(26, true) & 0x3fff,
      height: view.getUint16(28, true) & 0x3fff,
      isAnimated: false,
    };
  }
  if (chunk === 'VP8L') {
    if (bytes[20] !== 0x2f) throw broken('bad VP8L signature');
    const bits = view.getUint32(21, true);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, isAnimated: false };
  }
  if (chunk === 'VP8X') {
    const width = 1 + (bytes[24]! | (bytes[25]! << 8) | (bytes[26]! << 16));
    const height = 1 + (bytes[27]! | (bytes[28]! << 8) | (bytes[29]! << 16));
    return { width, height, isAnimated: (bytes[20]! & 0x02) !== 0 };
  }
  throw broken('unknown WebP chunk');
}

/** Walks the ISO-BMFF boxes (every size inside the file) and reads the first `ispe` (primary item size). */
function inspectAvif(bytes: Uint8Array, view: DataView) {
  let size: { width: number; height: number } | null = null;
  let sawData = false;
  const walk = (start: number, end: number, depth: number) => {
    let offset = start;
    while (offset + 8 <= end) {
      let boxSize = view.getUint32(offset);
      const type = ascii(bytes, offset + 4, 4);
      let header = 8;
      if (boxSize === 1) {
        need(bytes, offset + 16, 'AVIF box');
        boxSize = Number(view.getBigUint64(offset + 8));
        header = 16;
      } else if (boxSize === 0) boxSize = end - offset;
      if (boxSize < header || offset + boxSize > end) throw broken(`AVIF ${type} box is truncated`);
      if (type === 'mdat') sawData = true;
      if (type === 'ispe' && !size) {
        need(bytes, offset + 20, 'AVIF ispe');
        size = { width: view.getUint32(offset + 12), height: view.getUint32(offset + 16) };
      }
      if (depth < 4 && (type === 'meta' || type === 'iprp' || type === 'ipco')) {
        walk(offset + header + (type === 'meta' ? 4 : 0), offset + boxSize, depth + 1);
      }
      offset += boxSize;
    }
  };
  walk(0, bytes.length, 0);
  if (!size || !sawData) throw broken('AVIF has no image size or data');
  return { ...(size as { width: number; height: number }), isAnimated: ascii(bytes, 8, 4) === 'avis' };
}

/**
 * Recognises the image from its bytes and reads its dimensions from the header without decoding, walking the
 * container structure so truncated files and polyglots are refused. Throws 415 for unknown content, 422 for
 * broken files.
 */
export function inspectImage(bytes: Uint8Array): InspectedImage {
  if (bytes.length === 0) throw new AppError(400, 'BAD_REQUEST', 'The file is empty');
  const contentType = sniffContentType(bytes);
  if (!contentType) throw unsupported();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = {
    'image/jpeg': inspectJpeg,
    'image/png': inspectPng,
    'image/gif': inspectGif,
    'image/webp': inspectWebp,
    'image/avif': inspectAvif,
    'image/svg+xml': (b: Uint8Array) => ({ ...checkSvg(b), isAnimated: false }),
  }[contentType];
  return { contentType, ...read(bytes, view) };
}

/** Refuses images whose header claims too many pixels (image-bomb guard) or a side outside the limits. */
export function checkDimensions(
  image: InspectedImage,
  limits: { maxMegapixels: number; maxSidePixels: number },
): void {
  if (image.contentType === 'image/svg+xml') return; // vector: rendered at the requested size
  const { width, height } = image;
  if (width < 1 || height < 1) throw broken('the image has no pixels');
  if (width > limits.maxSidePixels || height > limits.maxSidePixels) {
    throw new AppError(
      422,
      'IMAGE_TOO_LARGE',
      `${width}×${height} exceeds the maximum side of ${limits.maxSidePixels} pixels`,
    );
  }
  if (width * height > limits.maxMegapixels * 1_000_000) {
    throw new AppError(
      422,
      'IMAGE_TOO_LARGE',
      `${width}×${height} is ${((width * height) / 1e6).toFixed(1)} megapixels; the limit is ${limits.maxMegapixels}`,
    );
  }
}
