import type { ImageContentType } from '@pixelflare/config';
import type { ResolvedTransform } from '@pixelflare/shared';

/** What an engine can write. GIF and SVG are only ever served as their original. */
export type OutputFormat = 'avif' | 'webp' | 'jpeg' | 'png';
export type EngineName = 'images-binding' | 'wasm' | 'passthrough';

export const OUTPUT_CONTENT_TYPES = {
  avif: 'image/avif',
  webp: 'image/webp',
  jpeg: 'image/jpeg',
  png: 'image/png',
} as const satisfies Record<OutputFormat, ImageContentType>;

export interface TransformJob {
  source: Uint8Array;
  sourceType: ImageContentType;
  /** The source's stored size, used to bound intermediate work. */
  sourceSize: { width: number; height: number };
  transform: ResolvedTransform;
  output: OutputFormat;
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
    transform.blur !== undefined ||
    transform.sharpen !== undefined ||
    transform.flip !== undefined ||
    (typeof transform.gravity === 'object' && (transform.fit === 'cover' || transform.fit === 'crop'))
  );
}
