/** Ranges and allowed values of the `?w=&h=&fit=...` transform parameters. */
export const TRANSFORM_FITS = ['scale-down', 'contain', 'cover', 'crop', 'pad', 'squeeze'] as const;
export const TRANSFORM_FORMATS = ['auto', 'avif', 'webp', 'jpeg', 'png'] as const;
/**
 * `auto` and `face` centre a crop on the focal point image analysis stored (the faces, else the most salient
 * object), and fall back to the engine's own `auto` without one.
 */
export const TRANSFORM_GRAVITIES = ['center', 'top', 'bottom', 'left', 'right', 'auto', 'face'] as const;
export const TRANSFORM_ROTATIONS = [90, 180, 270] as const;
export const TRANSFORM_FLIPS = ['h', 'v', 'hv'] as const;
/**
 * `metadata=`: which EXIF a JPEG output carries, as Cloudflare Images words it (`none`, `copyright`, `keep`);
 * WebP, PNG and AVIF outputs carry none. `copyright` is Cloudflare's default.
 */
export const TRANSFORM_METADATA = ['none', 'copyright', 'keep'] as const;
export const TRANSFORM_METADATA_DEFAULT = 'copyright';
/** `onerror=`: what a failed transform answers instead of its error. */
export const TRANSFORM_ONERROR = ['redirect'] as const;

export const TRANSFORM_RANGES = {
  width: { min: 1, max: 4096 },
  height: { min: 1, max: 4096 },
  quality: { min: 1, max: 100, default: 85 },
  dpr: { min: 1, max: 3, default: 1 },
  blur: { min: 1, max: 250 },
  sharpen: { min: 0, max: 10 },
  /** Pixels `trim=top;right;bottom;left` cuts from each side of the original (Cloudflare's largest side). */
  trim: { min: 0, max: 12_000 },
} as const;

/** Optional width rounding so arbitrary `w=` values cannot explode the variant space. */
export const WIDTH_BUCKETS = [
  16, 32, 64, 128, 256, 384, 512, 640, 768, 1024, 1280, 1536, 1920, 2048, 2560, 3072, 4096,
] as const;

/** AVIF encoding is slow; above this output width the engine falls back to WebP. */
export const AVIF_MAX_OUTPUT_WIDTH = 1200;
/** The WebAssembly engine refuses sources above this many pixels to stay inside 128 MB of Worker memory. */
export const WASM_ENGINE_MAX_SOURCE_PIXELS = 4_000_000;
/**
 * The Images binding engine trims in Photon, holding the whole upright original decoded (4 bytes a pixel: 48 MB
 * at 12 MP) beside its PNG: above this, `trim` is refused with 422 `IMAGE_TOO_LARGE` (a 12 MP phone photo still
 * passes). Not measured under load yet.
 */
export const BINDING_TRIM_MAX_SOURCE_PIXELS = 12_000_000;

/**
 * Bounds on rendering an animation frame by frame, in the spirit of Cloudflare Images (every frame counts toward
 * its area limit; above 50 MP an animation is not transformed) and imgproxy (`max_animation_frames`,
 * `max_animation_frame_resolution`). An animation beyond any of them is rendered as its first frame, like
 * `anim=false`. `maxTotalPixels` is frames × canvas area: the work of decoding and resizing every frame.
 */
export const ANIMATION_LIMITS = {
  maxFrames: 100,
  maxFramePixels: WASM_ENGINE_MAX_SOURCE_PIXELS,
  maxTotalPixels: 50_000_000,
} as const;
export type AnimationLimits = { readonly [K in keyof typeof ANIMATION_LIMITS]: number };

/** Query parameters a CDN URL may carry besides transforms: the signature of a signed URL. */
export const SIGNED_URL_PARAMS = ['sig', 'exp'] as const;
/** Longest and default lifetime of a minted signed URL (seconds). */
export const SIGNED_URL_TTL = { default: 60 * 60, min: 60, max: 60 * 60 * 24 * 7 } as const;

/**
 * Round `w` up to the next `WIDTH_BUCKETS` entry before the variant key is computed. Off by default: exact
 * widths are what people ask for; turn it on when arbitrary widths fill storage.
 */
export const ROUND_WIDTHS_TO_BUCKETS = false;

/** Largest blur the WebAssembly post-processing applies (its cost grows with the radius). */
export const WASM_BLUR_MAX_RADIUS = 250;

/**
 * Watermarks (`wm`, `wm_pos`, `wm_opacity`, `wm_scale`): where the overlay goes, how opaque it is and its width
 * as a fraction of the output's width. Corners sit `WATERMARK_MARGIN` of the output width from the edges; `tile`
 * repeats the overlay over the whole image from the top-left.
 */
export const WATERMARK_POSITIONS = [
  'top-left',
  'top-right',
  'bottom-left',
  'bottom-right',
  'center',
  'tile',
] as const;
export const WATERMARK_RANGES = {
  opacity: { min: 0.01, max: 1, default: 0.6 },
  scale: { min: 0.01, max: 1, default: 0.25 },
} as const;
export const WATERMARK_DEFAULT_POSITION = 'bottom-right';
export const WATERMARK_MARGIN = 0.02;
/** A watermark image is decoded in full for every rendition: at most this many pixels. */
export const WATERMARK_MAX_PIXELS = 4_000_000;
