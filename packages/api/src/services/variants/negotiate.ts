import { AVIF_MAX_OUTPUT_WIDTH, type ImageContentType } from '@pixelflare/config';
import type { TransformFormat } from '@pixelflare/shared';
import type { OutputFormat } from '../../engines/types';

/** What a browser's `Accept` allows, reduced to the choices negotiation makes (part of the cache key). */
export type AcceptClass = 'avif' | 'webp' | 'other';

export function acceptClass(accept: string | undefined): AcceptClass {
  if (!accept) return 'other';
  if (accept.includes('image/avif')) return 'avif';
  if (accept.includes('image/webp')) return 'webp';
  return 'other';
}

const ORIGINAL_OUTPUT: Partial<Record<ImageContentType, OutputFormat>> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/avif': 'avif',
};

/**
 * The output format: an explicit one if the engine writes it, else for `auto` AVIF, then WebP, then the
 * original's format (PNG for a GIF, whose animation engines here cannot write). AVIF wider than
 * `AVIF_MAX_OUTPUT_WIDTH` falls back to WebP: its encoding time grows too fast with size.
 */
export function chooseOutputFormat(options: {
  requested: TransformFormat;
  accept: AcceptClass;
  sourceType: ImageContentType;
  outputWidth: number;
  engineFormats: readonly OutputFormat[];
}): OutputFormat {
  const { requested, accept, sourceType, outputWidth, engineFormats } = options;
  const can = (format: OutputFormat) => engineFormats.includes(format);
  const fallback: OutputFormat = ORIGINAL_OUTPUT[sourceType] ?? 'png';
  let format: OutputFormat;
  if (requested !== 'auto') format = requested;
  else if (accept === 'avif' && can('avif')) format = 'avif';
  else if (accept !== 'other' && can('webp')) format = 'webp';
  else format = fallback === 'avif' || fallback === 'webp' ? 'png' : fallback;
  if (format === 'avif' && (outputWidth > AVIF_MAX_OUTPUT_WIDTH || !can('avif'))) format = 'webp';
  if (!can(format) && engineFormats.length > 0) format = can('webp') ? 'webp' : engineFormats[0]!;
  return format;
}
