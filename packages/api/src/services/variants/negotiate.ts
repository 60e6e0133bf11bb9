import { AVIF_MAX_OUTPUT_WIDTH, type ImageContentType } from '@pixelflare/config';
import type { TransformFormat } from '@pixelflare/shared';
import {
  ANIMATED_SOURCE_TYPES,
  ENGINE_ANIMATED_FORMATS,
  ENGINE_OUTPUT_FORMATS,
} from '../../engines/capabilities';
import type { EngineName, OutputFormat } from '../../engines/types';

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
 * original's format (PNG for a GIF). AVIF wider than `AVIF_MAX_OUTPUT_WIDTH` falls back to WebP: its encoding
 * time grows too fast with size.
 *
 * An animated source keeps its animation unless `anim` is false: `auto`, `webp` and `avif` (no engine writes
 * animated AVIF) give animated WebP, and `auto` gives GIF to a client that accepts neither WebP nor AVIF. An
 * explicit `jpeg` or `png` is a still of the first frame.
 */
export function chooseOutputFormat(options: {
  requested: TransformFormat;
  /** The transform's `anim`. */
  anim: boolean;
  accept: AcceptClass;
  sourceType: ImageContentType;
  /** The image row's `is_animated`. */
  sourceAnimated: boolean;
  outputWidth: number;
  engine: EngineName;
}): OutputFormat {
  const { requested, accept, sourceType, outputWidth, engine } = options;
  const animatedFormats = ENGINE_ANIMATED_FORMATS[engine];
  const animates =
    options.anim &&
    options.sourceAnimated &&
    ANIMATED_SOURCE_TYPES.includes(sourceType) &&
    animatedFormats.length > 0;
  if (animates && (requested === 'auto' || requested === 'webp' || requested === 'avif')) {
    const wanted: OutputFormat = requested === 'auto' && accept === 'other' ? 'gif' : 'webp';
    return animatedFormats.includes(wanted) ? wanted : animatedFormats[0]!;
  }
  const engineFormats = ENGINE_OUTPUT_FORMATS[engine];
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
