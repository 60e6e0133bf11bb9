import { COLOR_ANALYSIS } from '@pixelflare/config';
import { resolveTransform } from '@pixelflare/shared';
import { decode } from '../../engines/pixels';
import type { EngineOutput, ImageEngine, OutputFormat } from '../../engines/types';
import type { RenderableImage } from '../variants/render';
import type { RgbaImage } from './colors';

/**
 * An upright, downscaled copy of the original (first frame of an animation) through the deployment's image
 * engine: the Images binding never hands the Worker full-size pixels, and the WebAssembly engine does the same.
 */
export async function renderSample(
  engine: ImageEngine,
  image: RenderableImage,
  source: Uint8Array,
  longestSide: number,
  output: OutputFormat,
): Promise<EngineOutput> {
  const transform = resolveTransform({
    width: longestSide,
    height: longestSide,
    fit: 'scale-down',
    anim: false,
  });
  const out = await engine.transform({
    source,
    sourceType: image.contentType,
    sourceSize: { width: image.width, height: image.height },
    sourceAnimated: false,
    transform,
    output,
  });
  return out;
}

/** RGBA pixels of a copy at most `COLOR_ANALYSIS.sampleSize` a side, for ThumbHash and colours. */
export async function rgbaSample(
  engine: ImageEngine,
  image: RenderableImage,
  source: Uint8Array,
): Promise<RgbaImage> {
  const png = await renderSample(engine, image, source, COLOR_ANALYSIS.sampleSize, 'png');
  const decoded = decode(png.bytes);
  try {
    return { width: decoded.get_width(), height: decoded.get_height(), rgba: decoded.get_raw_pixels() };
  } finally {
    decoded.free();
  }
}
