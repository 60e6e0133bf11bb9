import {
  ROUND_WIDTHS_TO_BUCKETS,
  VARIANT_PRESETS,
  VARIANT_QUALITY,
  WIDTH_BUCKETS,
  type VariantName,
} from '@pixelflare/config';
import {
  canonicalTransform,
  resolveTransform,
  type ResolvedTransform,
  type TransformInput,
} from '@pixelflare/shared';
import { sha256Hex } from '../../lib/crypto';

/** Storage name of a variant's format. */
export const VARIANT_EXTENSIONS = { avif: 'avif', webp: 'webp', jpeg: 'jpg', png: 'png' } as const;

/** A preset's parameters as transform input: quality 85, automatic format. */
export function presetInput(name: VariantName): TransformInput {
  const preset: { width?: number; height?: number; fit: 'scale-down' | 'cover' } = VARIANT_PRESETS[name];
  return {
    width: preset.width,
    height: preset.height,
    fit: preset.fit,
    quality: VARIANT_QUALITY,
    format: 'auto',
  };
}

/** Resolves a transform the same way everywhere (URL, queue, signed-URL minting). */
export function resolveVariantTransform(input: TransformInput, locked?: TransformInput): ResolvedTransform {
  return resolveTransform(input, {
    locked,
    widthBuckets: ROUND_WIDTHS_TO_BUCKETS ? WIDTH_BUCKETS : undefined,
  });
}

/** SHA-256 of the canonical transform: equal requests share one stored variant. */
export function variantKeyOf(transform: ResolvedTransform): Promise<string> {
  return sha256Hex(canonicalTransform(transform));
}

/**
 * R2 key of a variant, in its original's folder (`{ownerId}/{album}/{imageId}/{variantKey}.{ext}`), so that
 * deleting an image's folder removes its variants too.
 */
export function variantStorageKey(
  originalKey: string,
  variantKey: string,
  format: keyof typeof VARIANT_EXTENSIONS,
): string {
  return `${originalKey.slice(0, originalKey.lastIndexOf('/') + 1)}${variantKey}.${VARIANT_EXTENSIONS[format]}`;
}
