import { AppError } from '../../lib/errors';

/**
 * SVG is accepted only when it is inert. Rather than rewrite markup (easy to get subtly wrong), anything
 * active is refused with 422: scripts, event handlers, external references, foreignObject, DTDs/entities
 * (XXE, billion laughs) and javascript:/data: URLs. A refused SVG leaves nothing stored.
 */
const FORBIDDEN: { pattern: RegExp; reason: string }[] = [
  { pattern: /<\s*script/i, reason: 'a <script> element' },
  { pattern: /<\s*foreignObject/i, reason: 'a <foreignObject> element' },
  { pattern: /<!DOCTYPE|<!ENTITY/i, reason: 'a DTD or entity declaration' },
  { pattern: /[\s"'/]on[a-z]+\s*=/i, reason: 'an event handler attribute' },
  { pattern: /javascript\s*:/i, reason: 'a javascript: URL' },
  // href/src/xlink:href may only point inside the document (#id).
  { pattern: /(?:href|src)\s*=\s*["']\s*(?!#)/i, reason: 'an external reference' },
  { pattern: /url\(\s*["']?\s*(?!#)/i, reason: 'an external url() reference' },
  { pattern: /@import/i, reason: 'a CSS @import' },
  { pattern: /<\s*(?:iframe|embed|object|handler|listener)/i, reason: 'an embedded document' },
];

const size = (value: string | undefined): number => {
  const match = value && /^\s*([\d.]+)\s*(px)?\s*$/.exec(value);
  return match ? Math.round(Number(match[1])) : 0;
};

/** Refuses active SVG content; returns its intrinsic size from width/height or the viewBox (0 when unknown). */
export function checkSvg(bytes: Uint8Array): { width: number; height: number } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new AppError(422, 'UNPROCESSABLE_IMAGE', 'The SVG is not valid UTF-8');
  }
  // Entity-encoded characters could hide any of the patterns above; decode the common forms first.
  // A reference past U+10FFFF names no character (invalid XML, and String.fromCodePoint would throw: a 500).
  const decoded = text.replace(/&#x([0-9a-f]+);?|&#(\d+);?/gi, (_, hex: string, dec: string) => {
    const codePoint = hex ? parseInt(hex, 16) : Number(dec);
    if (!(codePoint <= 0x10ffff)) {
      throw new AppError(422, 'UNPROCESSABLE_IMAGE', 'The SVG has a character reference to no character');
    }
    return String.fromCodePoint(codePoint);
  });
  for (const { pattern, reason } of FORBIDDEN) {
    if (pattern.test(decoded)) {
      throw new AppError(422, 'UNPROCESSABLE_IMAGE', `SVG refused: it contains ${reason}`);
    }
  }
  const root = /<svg\b([^>]*)>/i.exec(decoded);
  if (!root || !/<\/svg\s*>\s*$/i.test(decoded.trim())) {
    throw new AppError(422, 'UNPROCESSABLE_IMAGE', 'The SVG is incomplete (no closing </svg>)');
  }
  const attrs = root[1] ?? '';
  const attr = (name: string) => new RegExp(`\\s${name}\\s*=\\s*["']([^"']*)["']`, 'i').exec(attrs)?.[1];
  let width = size(attr('width'));
  let height = size(attr('height'));
  const viewBox = attr('viewBox')
    ?.trim()
    .split(/[\s,]+/)
    .map(Number);
  if ((!width || !height) && viewBox?.length === 4 && viewBox.every(Number.isFinite)) {
    width = Math.round(viewBox[2]!);
    height = Math.round(viewBox[3]!);
  }
  return { width, height };
}
