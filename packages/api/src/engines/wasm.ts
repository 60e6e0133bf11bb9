import { WASM_ENGINE_MAX_SOURCE_PIXELS } from '@pixelflare/config';
import encodeWebp, { init as initWebpEncoder } from '@jsquash/webp/encode';
import WEBP_ENCODER from '@jsquash/webp/codec/enc/webp_enc_simd.wasm';
import { AppError } from '../lib/errors';
import { jpegOrientation } from './image-size';
import { decode, orient, rotateBy, transformPixels } from './pixels';
import { OUTPUT_CONTENT_TYPES, type EngineOutput, type ImageEngine } from './types';

import { ENGINE_OUTPUT_FORMATS } from './select';

let webpReady: Promise<unknown> | undefined;
const WASM_OUTPUT_FORMATS = ENGINE_OUTPUT_FORMATS.wasm;

/**
 * For deployments without the Images product: Photon decodes, orients, resizes, crops, pads, flips, blurs and
 * sharpens; jSquash encodes lossy WebP. Sources above `maxSourcePixels` are refused with 422 to stay inside
 * the Worker's 128 MB.
 */
export function createWasmEngine(maxSourcePixels = WASM_ENGINE_MAX_SOURCE_PIXELS): ImageEngine {
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
      let image;
      try {
        image = decode(job.source);
      } catch (error) {
        throw new AppError(422, 'UNPROCESSABLE_IMAGE', `The image could not be decoded: ${String(error)}`);
      }
      image = orient(image, job.sourceType === 'image/jpeg' ? jpegOrientation(job.source) : 1);
      image = rotateBy(image, job.transform.rotate);
      image = transformPixels(image, job.transform);
      const out = { width: image.get_width(), height: image.get_height() };
      const format = WASM_OUTPUT_FORMATS.includes(job.output) ? job.output : 'webp';
      let bytes: Uint8Array;
      try {
        if (format === 'jpeg') bytes = image.get_bytes_jpeg(job.transform.quality);
        else if (format === 'png') bytes = image.get_bytes();
        else {
          webpReady ??= initWebpEncoder(WEBP_ENCODER);
          await webpReady;
          const pixels = new Uint8ClampedArray(image.get_raw_pixels());
          // jSquash reads only these fields of an ImageData, which Workers do not define.
          const data = { data: pixels, width: out.width, height: out.height, colorSpace: 'srgb' };
          bytes = new Uint8Array(
            await encodeWebp(data as unknown as Parameters<typeof encodeWebp>[0], {
              quality: job.transform.quality,
            }),
          );
        }
      } finally {
        image.free();
      }
      return { bytes, contentType: OUTPUT_CONTENT_TYPES[format], ...out, engine: 'wasm' };
    },
  };
}
