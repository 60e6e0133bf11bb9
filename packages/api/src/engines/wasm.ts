import { ANIMATION_LIMITS, WASM_ENGINE_MAX_SOURCE_PIXELS, type AnimationLimits } from '@pixelflare/config';
import { AppError } from '../lib/errors';
import { firstWebpFrame, planAnimation, renderAnimation } from './animation';
import { ENGINE_OUTPUT_FORMATS } from './capabilities';
import { jpegOrientation } from './image-size';
import { decode, orient, rotateBy, transformPixels, trimBy } from './pixels';
import { withOutputMetadata } from './metadata';
import { OUTPUT_CONTENT_TYPES, type EngineOutput, type ImageEngine } from './types';
import { drawJobWatermark } from './watermark';
import { encodeWebp } from './webp';

const WASM_OUTPUT_FORMATS = ENGINE_OUTPUT_FORMATS.wasm;

/**
 * For deployments without the Images product: Photon decodes, orients, trims, resizes, crops, pads, flips,
 * blurs and sharpens, watermark.ts draws watermarks; jSquash encodes lossy WebP; a JPEG gets the EXIF `metadata`
 * asks for (metadata.ts). Sources above `maxSourcePixels` are refused with 422 to stay inside
 * the Worker's 128 MB. Animated GIF and WebP sources are rendered frame by frame (animation.ts) within
 * `animationLimits`.
 */
export function createWasmEngine(
  maxSourcePixels = WASM_ENGINE_MAX_SOURCE_PIXELS,
  animationLimits: AnimationLimits = ANIMATION_LIMITS,
): ImageEngine {
  return {
    name: 'wasm',
    async transform(job): Promise<EngineOutput> {
      const { width, height } = job.sourceSize;
      if (width * height > maxSourcePixels) {
        throw new AppError(
          422,
          'IMAGE_TOO_LARGE',
          `This server transforms images of up to ${(maxSourcePixels / 1e6).toFixed(1)} MP; this one has ${((width * height) / 1e6).toFixed(1)} MP`,
        );
      }
      const animation = planAnimation(job, animationLimits);
      if (animation || job.output === 'gif') {
        if (!animation) throw new AppError(422, 'UNPROCESSABLE_IMAGE', 'GIF is written only for animations');
        const out = await renderAnimation(job, animation);
        return { ...out, contentType: OUTPUT_CONTENT_TYPES[job.output], engine: 'wasm' };
      }
      let image;
      try {
        image = firstWebpFrame(job.source) ?? decode(job.source);
      } catch (error) {
        throw new AppError(422, 'UNPROCESSABLE_IMAGE', `The image could not be decoded: ${String(error)}`);
      }
      image = orient(image, job.sourceType === 'image/jpeg' ? jpegOrientation(job.source) : 1);
      image = trimBy(image, job.transform.trim);
      image = rotateBy(image, job.transform.rotate);
      image = transformPixels(image, job.transform);
      image = drawJobWatermark(image, job);
      const out = { width: image.get_width(), height: image.get_height() };
      const format = WASM_OUTPUT_FORMATS.includes(job.output) ? job.output : 'webp';
      let bytes: Uint8Array;
      try {
        if (format === 'jpeg') bytes = image.get_bytes_jpeg(job.transform.quality);
        else if (format === 'png') bytes = image.get_bytes();
        else bytes = await encodeWebp(image.get_raw_pixels(), out.width, out.height, job.transform.quality);
      } finally {
        image.free();
      }
      const contentType = OUTPUT_CONTENT_TYPES[format];
      bytes = withOutputMetadata(bytes, contentType, job.transform.metadata, job.source, job.sourceType);
      return { bytes, contentType, ...out, engine: 'wasm' };
    },
  };
}
