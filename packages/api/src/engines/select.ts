import type { EnvVars } from '../lib/env';
import { AppError } from '../lib/errors';
import type { EngineName, ImageEngine } from './types';

/** `IMAGE_ENGINE`, with `auto` meaning the Images binding when bound and the WebAssembly engine otherwise. */
export function engineNameFor(
  choice: EnvVars['IMAGE_ENGINE'],
  images: ImagesBinding | undefined,
): EngineName {
  return choice === 'auto' ? (images ? 'images-binding' : 'wasm') : choice;
}

/** Loads the engine on first use, so a cached request never loads a codec. */
export async function loadEngine(name: EngineName, images: ImagesBinding | undefined): Promise<ImageEngine> {
  if (name === 'images-binding') {
    if (!images)
      throw new AppError(
        503,
        'MISCONFIGURED',
        'IMAGE_ENGINE is images-binding but no IMAGES binding is bound',
      );
    const { createImagesBindingEngine } = await import('./images-binding');
    return createImagesBindingEngine(images);
  }
  if (name === 'wasm') {
    const { createWasmEngine } = await import('./wasm');
    return createWasmEngine();
  }
  const { passthroughEngine } = await import('./passthrough');
  return passthroughEngine;
}
