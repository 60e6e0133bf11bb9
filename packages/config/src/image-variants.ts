/** Built-in presets served at `/cdn/.../{variant}`. Width presets never enlarge and keep the aspect ratio. */
export type VariantFit = 'scale-down' | 'cover';

export interface VariantPreset {
  readonly width?: number;
  readonly height?: number;
  readonly fit: VariantFit;
}

export const VARIANT_QUALITY = 85;

export const VARIANT_PRESETS = {
  w128: { width: 128, fit: 'scale-down' },
  w256: { width: 256, fit: 'scale-down' },
  w512: { width: 512, fit: 'scale-down' },
  w1024: { width: 1024, fit: 'scale-down' },
  w1536: { width: 1536, fit: 'scale-down' },
  w2048: { width: 2048, fit: 'scale-down' },
  thumb: { width: 128, height: 128, fit: 'cover' },
  'og-image': { width: 1200, height: 630, fit: 'cover' },
} as const satisfies Record<string, VariantPreset>;

export type VariantName = keyof typeof VARIANT_PRESETS;
export type VariantOrOriginal = VariantName | 'original';

export const VARIANT_NAMES = Object.keys(VARIANT_PRESETS) as VariantName[];
/** Width-only presets, in ascending order: what a responsive `srcset` is built from. */
export const WIDTH_VARIANTS = VARIANT_NAMES.filter((name) => name.startsWith('w'));
export const DEFAULT_VARIANT: VariantName = 'w1024';
/** Presets the dashboard and album covers show (grid, overview, image page): `ALLOWED_VARIANTS` must keep them. */
export const REQUIRED_VARIANTS: readonly VariantName[] = ['thumb', 'w256', 'w1024'];

export function isVariantName(value: string): value is VariantName {
  return Object.hasOwn(VARIANT_PRESETS, value);
}

/** Formats the variants queue renders each enabled preset in, ahead of the first request. */
export const EAGER_VARIANT_FORMATS = ['webp', 'avif'] as const;
