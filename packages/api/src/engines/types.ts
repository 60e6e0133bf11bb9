import type { ImageContentType } from '@pixelflare/config';
import type { ResolvedTransform } from '@pixelflare/shared';

/** What an engine can write. GIF only for animations; SVG is only ever served as its original. */
export type OutputFormat = 'avif' | 'webp' | 'jpeg' | 'png' | 'gif';
export type EngineName = 'images-binding' | 'wasm' | 'passthrough';

export const OUTPUT_CONTENT_TYPES = {
  avif: 'image/avif',
  webp: 'image/webp',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
} as const satisfies Record<OutputFormat, ImageContentType>;

export interface TransformJob {
  source: Uint8Array;
  sourceType: ImageContentType;
  /** The source's stored size, used to bound intermediate work. */
  sourceSize: { width: number; height: number };
  /** The image row's `is_animated`: with `anim` (the default) and an output that animates, every frame is kept. */
  sourceAnimated: boolean;
  transform: ResolvedTransform;
  output: OutputFormat;
  /** The image `transform.watermark` draws, read in full (`engines/watermark.ts` composites it). */
  watermark?: { bytes: Uint8Array; contentType: ImageContentType };
}

export interface EngineOutput {
  bytes: Uint8Array;
  contentType: ImageContentType;
  width: number;
  height: number;
  engine: EngineName;
}

/** One way of turning an original into a variant. Implementations must apply EXIF orientation first. */
export interface ImageEngine {
  readonly name: EngineName;
  transform(job: TransformJob): Promise<EngineOutput>;
}

/** True when the transform needs operations beyond resize/fit/gravity/rotate/format/quality/background. */
export function needsPixelOperations(transform: ResolvedTransform): boolean {
  return (
    transform.trim !== undefined ||
    transform.blur !== undefined ||
    transform.sharpen !== undefined ||
    transform.flip !== undefined ||
    (typeof transform.gravity === 'object' && (transform.fit === 'cover' || transform.fit === 'crop'))
  );
}
