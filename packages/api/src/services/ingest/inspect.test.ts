import exifr from 'exifr';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../test/fixtures/fixtures.generated';
import { AppError } from '../../lib/errors';
import { sanitizeFilename } from './filename';
import { checkDimensions, inspectImage, sniffContentType } from './inspect';
import { stripPrivateMetadata } from './metadata';

const limits = { maxMegapixels: 50, maxSidePixels: 50_000 };
const codeOf = (work: () => unknown): string => {
  try {
    work();
  } catch (error) {
    if (error instanceof AppError) return `${error.status} ${error.code}`;
    throw error;
  }
  return 'accepted';
};

describe('inspectImage', () => {
  it('recognises real images by their bytes and reads their size from the header', () => {
    expect(inspectImage(fixture('stripe.jpg'))).toMatchObject({ contentType: 'image/jpeg' });
    expect(inspectImage(fixture('photo-gps.jpg'))).toMatchObject({ width: 2, height: 2 });
    expect(inspectImage(fixture('tiny.png'))).toMatchObject({
      contentType: 'image/png',
      width: 4,
      height: 3,
    });
    expect(inspectImage(fixture('tiny.gif'))).toMatchObject({
      contentType: 'image/gif',
      width: 1,
      height: 1,
    });
    expect(inspectImage(fixture('tiny.webp'))).toMatchObject({
      contentType: 'image/webp',
      width: 1,
      height: 1,
    });
    expect(inspectImage(fixture('clean.svg'))).toMatchObject({
      contentType: 'image/svg+xml',
      width: 120,
      height: 80,
    });
  });

  it('refuses impostors, truncated files and polyglots whatever their name', () => {
    expect(codeOf(() => inspectImage(new Uint8Array()))).toBe('400 BAD_REQUEST');
    expect(codeOf(() => inspectImage(fixture('random.png')))).toBe('415 UNSUPPORTED_MEDIA_TYPE');
    expect(codeOf(() => inspectImage(fixture('page.jpg')))).toBe('415 UNSUPPORTED_MEDIA_TYPE');
    expect(codeOf(() => inspectImage(fixture('truncated.jpg')))).toBe('422 UNPROCESSABLE_IMAGE');
    expect(codeOf(() => inspectImage(fixture('gif-script.gif')))).toBe('422 UNPROCESSABLE_IMAGE');
    expect(codeOf(() => inspectImage(fixture('bomb-100000.png')))).toBe('422 UNPROCESSABLE_IMAGE');
    expect(codeOf(() => inspectImage(fixture('script.svg')))).toBe('422 UNPROCESSABLE_IMAGE');
    expect(codeOf(() => inspectImage(fixture('onload.svg')))).toBe('422 UNPROCESSABLE_IMAGE');
  });

  it('refuses a decompression bomb from its header before decoding', () => {
    const bomb = inspectImage(fixture('bomb-30000.png'));
    expect(bomb).toMatchObject({ width: 30000, height: 30000 });
    expect(codeOf(() => checkDimensions(bomb, limits))).toBe('422 IMAGE_TOO_LARGE');
    expect(codeOf(() => checkDimensions({ ...bomb, width: 60_000, height: 1 }, limits))).toBe(
      '422 IMAGE_TOO_LARGE',
    );
    expect(codeOf(() => checkDimensions(inspectImage(fixture('tiny.png')), limits))).toBe('accepted');
  });

  it('sniffs AVIF from the ISO-BMFF brand', () => {
    const avif = new Uint8Array([0, 0, 0, 0x1c, ...new TextEncoder().encode('ftypavif')]);
    expect(sniffContentType(avif)).toBe('image/avif');
  });
});

describe('stripPrivateMetadata', () => {
  it('removes GPS, serial number and artist from a JPEG but keeps orientation and the ICC profile', async () => {
    const original = fixture('photo-gps.jpg');
    const before = await exifr.parse(original, { gps: true, exif: true, tiff: true });
    expect(before).toMatchObject({ Artist: 'Jane Doe', Orientation: 'Rotate 90 CW' });
    expect(before.latitude).toBeCloseTo(51.5, 1);

    const { bytes, summary } = await stripPrivateMetadata(original, 'image/jpeg');
    const after = await exifr.parse(bytes, { gps: true, exif: true, tiff: true, translateValues: false });
    expect(after).toEqual({ Orientation: 6 });
    const text = new TextDecoder('latin1').decode(bytes);
    expect(text).not.toContain('Jane Doe');
    expect(text).not.toContain('SN-123456789');
    expect(text).not.toContain('GPSLatitude');
    expect(text).toContain('ICC_PROFILE');
    // Still a complete JPEG of the same size.
    expect(inspectImage(bytes)).toMatchObject({ contentType: 'image/jpeg', width: 2, height: 2 });
    expect(summary?.kept).toEqual(['Orientation', 'ICC profile']);
    expect(summary?.stripped).toEqual(
      expect.arrayContaining(['Artist', 'Copyright', 'GPSLatitude', 'XMP', 'Comment']),
    );
    expect(summary?.camera).toBe('Canon EOS 5D');
  });

  it('leaves a JPEG without metadata byte-identical apart from nothing', async () => {
    const original = fixture('stripe.jpg');
    const { bytes } = await stripPrivateMetadata(original, 'image/jpeg');
    expect(bytes).toEqual(original);
  });
});

describe('sanitizeFilename', () => {
  it('cleans names and sets the extension from the real type', () => {
    expect(sanitizeFilename('Holiday Photo.JPG', 'image/jpeg')).toBe('Holiday-Photo.jpg');
    expect(sanitizeFilename('.hidden.png', 'image/png')).toBe('hidden.png');
    expect(sanitizeFilename('invoice.pdf.exe', 'image/png')).toBe('invoice-pdf.png');
    expect(sanitizeFilename('evil.php.jpg', 'image/jpeg')).toBe('evil.jpg');
    expect(sanitizeFilename('Cafe\u0301.gif', 'image/gif')).toBe('Café.gif');
    expect(sanitizeFilename(undefined, 'image/webp')).toBe('image.webp');
    expect(sanitizeFilename('__proto__', 'image/png')).toBe('proto.png');
    expect(sanitizeFilename('.exe', 'image/png')).toBe('image.png');
  });

  it('refuses paths and control characters', () => {
    expect(codeOf(() => sanitizeFilename('../../etc/passwd', 'image/png'))).toBe('400 BAD_REQUEST');
    expect(codeOf(() => sanitizeFilename('a\\b.png', 'image/png'))).toBe('400 BAD_REQUEST');
    expect(codeOf(() => sanitizeFilename('a\u0000.png', 'image/png'))).toBe('400 BAD_REQUEST');
  });
});
