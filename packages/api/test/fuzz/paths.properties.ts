/**
 * The CDN path parser, upload filenames and the download's Content-Disposition under hostile strings: path
 * traversal (raw and percent-encoded), control characters, RTL overrides, astral characters, very long names,
 * quotes, backslashes and CR/LF. Shared by paths.fuzz.test.ts (CI) and bench/fuzz.
 */
import { UPLOAD_LIMITS, type ImageContentType } from '@pixelflare/config';
import fc from 'fast-check';
import { fuzzProperty, type FuzzProperty } from '../../../shared/src/fuzz/fuzz-property';
import { parseCdnPath } from '../../src/cdn/cdn-path';
import { AppError } from '../../src/lib/errors';
import { contentDisposition, sanitizeFilename } from '../../src/services/ingest/filename';

/** Pieces attackers and odd clients put in names and paths. */
const hostilePiece = fc.constantFrom(
  '..',
  '.',
  '%2e%2e',
  '%2E',
  '%2F',
  '%5C',
  '/',
  '\\',
  '%00',
  '\u0000',
  '\r\n',
  '%0d%0a',
  '\u202e',
  '\u2066',
  '\u200f',
  '"',
  "'",
  ';',
  '%',
  '%zz',
  '%C0%AE',
  '%ED%A0%80',
  '\ud800',
  '\udfff',
  '𝒜',
  '😀',
  'e\u0301',
  'original',
  'i',
  'w256',
  'exe',
  '.exe',
  'CON',
  ' ',
  '?',
  '#',
  'Content-Disposition: inline',
);
const piece = fc.oneof(
  { weight: 3, arbitrary: hostilePiece },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z0-9._-]{1,12}$/) },
);
/** Strings built of hostile pieces, sometimes very long. */
export const hostileString = fc.oneof(
  fc.array(piece, { maxLength: 12 }).map((parts) => parts.join('')),
  fc.tuple(piece, fc.integer({ min: 50, max: 400 })).map(([part, times]) => part.repeat(times)),
  fc.string({ unit: 'binary', maxLength: 300 }),
);
const hostilePath = fc.oneof(
  fc.array(hostileString, { minLength: 1, maxLength: 6 }).map((segments) => `/cdn/${segments.join('/')}`),
  hostileString.map((rest) => `/cdn/${rest}`),
  hostileString,
);

/** Equal routes: same address, variant and canonical spelling. */
const sameRoute = (a: ReturnType<typeof parseCdnPath>, b: ReturnType<typeof parseCdnPath>) =>
  JSON.stringify(a) === JSON.stringify(b);

export function checkCdnPath(path: string): void {
  const route = parseCdnPath(path);
  if (!route) return;
  const again = parseCdnPath(route.canonicalPath);
  if (!sameRoute(route, again)) {
    throw new Error(`canonical path ${route.canonicalPath} parses to ${JSON.stringify(again)}`);
  }
  const parts =
    route.ref.kind === 'short' ? [route.ref.shortId] : [route.ref.owner, route.ref.album, route.ref.filename];
  for (const part of [...parts, ...(route.variant === undefined ? [] : [route.variant])]) {
    if (part === '' || part === '.' || part === '..') throw new Error(`kept a segment "${part}"`);
  }
  // The canonical spelling is plain ASCII: nothing a header, a cache key or a log line could be split on.
  if (/[^\x21-\x7e]/.test(route.canonicalPath))
    throw new Error(`canonical path not ASCII: ${route.canonicalPath}`);
}

const CONTENT_TYPES: ImageContentType[] = [
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/avif',
];
/** In a `u` regex a surrogate range matches only a surrogate without its pair. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/** A stored name is refused with a 400, or is a plain, short, one-line name with the sniffed extension. */
export function checkFilename(input: string, contentType: ImageContentType): void {
  let name: string;
  try {
    name = sanitizeFilename(input, contentType);
  } catch (error) {
    if (error instanceof AppError && error.status === 400) return;
    throw error;
  }
  if (!/^[\p{L}\p{N}_-]+\.[a-z]+$/u.test(name)) throw new Error(`unsafe stored name ${JSON.stringify(name)}`);
  if (BIDI_CONTROLS.test(name)) throw new Error(`kept a bidi control: ${JSON.stringify(name)}`);
  if (name.length > UPLOAD_LIMITS.maxFilenameLength) throw new Error(`name of ${name.length} code units`);
  if (LONE_SURROGATE.test(name)) throw new Error(`lone surrogate in ${JSON.stringify(name)}`);
  // The name goes into URLs and R2 keys, which need well-formed text.
  encodeURIComponent(name);
  checkContentDisposition(name);
}

/**
 * A Content-Disposition for any name (stored names, or names written before the sanitiser changed) is one
 * valid header line: the Headers API accepts it, the quoted fallback holds no quote, backslash or non-ASCII,
 * and `filename*` decodes to the name itself.
 */
export function checkContentDisposition(name: string): void {
  const header = contentDisposition(name);
  new Headers({ 'Content-Disposition': header });
  const match = /^attachment; filename="([\x20-\x7e]*)"; filename\*=UTF-8''([A-Za-z0-9%!'()*._~-]*)$/.exec(
    header,
  );
  if (!match) throw new Error(`malformed header ${JSON.stringify(header)}`);
  if (/["\\]/.test(match[1]!)) throw new Error(`quote or backslash in the fallback: ${header}`);
  if (!LONE_SURROGATE.test(name) && decodeURIComponent(match[2]!) !== name)
    throw new Error(`filename* is not the name`);
}

export const pathProperties: FuzzProperty[] = [
  fuzzProperty(
    'CDN paths: never throws; a parsed path has no empty or dot segment, and its canonical form parses to it',
    600,
    fc.property(hostilePath, checkCdnPath),
  ),
  fuzzProperty(
    'upload filenames: a 400, or a plain one-line name within the length limit with the sniffed extension',
    600,
    fc.property(hostileString, fc.constantFrom(...CONTENT_TYPES), checkFilename),
  ),
  fuzzProperty(
    'Content-Disposition: one valid header line for any name, its filename* decoding to the name',
    400,
    fc.property(hostileString, checkContentDisposition),
  ),
];
