/** Dimensions and format read from an encoded image's header, without decoding its pixels. */
export interface ImageHeader {
  format: 'jpeg' | 'png' | 'webp' | 'gif' | 'avif';
  width: number;
  height: number;
}

const ascii = (bytes: Uint8Array, start: number, length: number) =>
  String.fromCharCode(...bytes.subarray(start, start + length));

function jpegSize(bytes: Uint8Array, view: DataView): ImageHeader | null {
  let offset = 2;
  while (offset + 9 < bytes.length) {
    if (bytes[offset] !== 0xff) return null;
    const marker = bytes[offset + 1]!;
    // SOF0–SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { format: 'jpeg', height: view.getUint16(offset + 5), width: view.getUint16(offset + 7) };
    }
    offset += 2 + view.getUint16(offset + 2);
  }
  return null;
}

function webpSize(bytes: Uint8Array, view: DataView): ImageHeader | null {
  const chunk = ascii(bytes, 12, 4);
  if (chunk === 'VP8 ')
    return {
      format: 'webp',
      width: view.getUint16(26, true) & 0x3fff,
      height: view.getUint16(28, true) & 0x3fff,
    };
  if (chunk === 'VP8L') {
    const bits = view.getUint32(21, true);
    return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') {
    const width = 1 + (bytes[24]! | (bytes[25]! << 8) | (bytes[26]! << 16));
    const height = 1 + (bytes[27]! | (bytes[28]! << 8) | (bytes[29]! << 16));
    return { format: 'webp', width, height };
  }
  return null;
}

function avifSize(bytes: Uint8Array, view: DataView): ImageHeader | null {
  // The first `ispe` (image spatial extents) property is the primary item's size.
  const limit = Math.min(bytes.length - 16, 4096);
  for (let i = 0; i < limit; i++) {
    if (bytes[i] === 0x69 && ascii(bytes, i, 4) === 'ispe')
      return { format: 'avif', width: view.getUint32(i + 8), height: view.getUint32(i + 12) };
  }
  return null;
}

/** Reads the size of a JPEG, PNG, WebP, GIF or AVIF; `null` for anything else. */
export function readImageHeader(bytes: Uint8Array): ImageHeader | null {
  if (bytes.length < 30) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] === 0x89 && ascii(bytes, 1, 3) === 'PNG')
    return { format: 'png', width: view.getUint32(16), height: view.getUint32(20) };
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return jpegSize(bytes, view);
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return webpSize(bytes, view);
  if (ascii(bytes, 0, 3) === 'GIF')
    return { format: 'gif', width: view.getUint16(6, true), height: view.getUint16(8, true) };
  if (ascii(bytes, 4, 4) === 'ftyp') return avifSize(bytes, view);
  return null;
}

/**
 * EXIF orientation (1–8) of a JPEG, 1 when absent or unreadable. Every offset is checked against the bytes:
 * upload inspection walks the segments but not the EXIF inside them, so a stored original may carry any TIFF.
 */
export function jpegOrientation(bytes: Uint8Array): number {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return 1;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fits = (offset: number, length: number) => offset >= 0 && offset + length <= bytes.length;
  let offset = 2;
  while (fits(offset, 4) && bytes[offset] === 0xff) {
    const marker = bytes[offset + 1]!;
    const length = view.getUint16(offset + 2);
    if (marker === 0xda) return 1;
    if (marker === 0xe1 && ascii(bytes, offset + 4, 4) === 'Exif') {
      const tiff = offset + 10;
      if (!fits(tiff, 8)) return 1;
      const little = ascii(bytes, tiff, 2) === 'II';
      const ifd = tiff + view.getUint32(tiff + 4, little);
      if (!fits(ifd, 2)) return 1;
      const entries = view.getUint16(ifd, little);
      for (let i = 0; i < entries; i++) {
        const entry = ifd + 2 + i * 12;
        if (!fits(entry, 12)) return 1;
        if (view.getUint16(entry, little) === 0x0112) {
          const value = view.getUint16(entry + 8, little);
          return value >= 1 && value <= 8 ? value : 1;
        }
      }
      return 1;
    }
    offset += 2 + length;
  }
  return 1;
}
