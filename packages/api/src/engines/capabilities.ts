import type { ImageContentType } from '@pixelflare/config';
import type { EngineName, OutputFormat } from './types';

/**
 * What each engine writes, for format negotiation to choose among without loading the engine. Kept apart from
 * the engines (and from select.ts, which loads them) so an engine can read its own row without an import cycle.
 */
export const ENGINE_OUTPUT_FORMATS: Record<EngineName, readonly OutputFormat[]> = {
  'images-binding': ['avif', 'webp', 'jpeg', 'png'],
  // AVIF is left out of the WebAssembly engine: its encoder alone would add 3.4 MB to the Worker.
  wasm: ['webp', 'jpeg', 'png'],
  passthrough: [],
};

/**
 * The formats each engine writes animated. Neither writes animated AVIF (Cloudflare's binding does not either),
 * so an animated answer is WebP, or GIF for a client that accepts neither WebP nor AVIF. Passthrough serves the
 * original, which keeps its animation anyway.
 */
export const ENGINE_ANIMATED_FORMATS: Record<EngineName, readonly OutputFormat[]> = {
  'images-binding': ['webp', 'gif'],
  wasm: ['webp', 'gif'],
  passthrough: [],
};

/** Animated sources whose frames the engines read; an animated PNG (APNG) is rendered as its first frame. */
export const ANIMATED_SOURCE_TYPES: readonly ImageContentType[] = ['image/gif', 'image/webp'];

/**
 * Which engines draw watermarks (`wm=`): the Images binding with its `.draw()` (or in the Worker, where the binding
 * does not draw: Miniflare's local one), the WebAssembly engine in the Worker (engines/watermark.ts). Passthrough
 * serves originals and cannot: a watermarked request is refused there (422), never answered without it.
 */
export const ENGINE_DRAWS_WATERMARKS: Record<EngineName, boolean> = {
  'images-binding': true,
  wasm: true,
  passthrough: false,
};
