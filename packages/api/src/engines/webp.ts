import encode, { init as initEncoder } from '@jsquash/webp/encode';
import WEBP_ENCODER from '@jsquash/webp/codec/enc/webp_enc_simd.wasm';

let encoderReady: Promise<unknown> | undefined;

/** Lossy WebP of raw RGBA pixels (jSquash, SIMD build), for still images and for each frame of an animation. */
export async function encodeWebp(
  pixels: Uint8Array,
  width: number,
  height: number,
  quality: number,
): Promise<Uint8Array> {
  encoderReady ??= initEncoder(WEBP_ENCODER);
  await encoderReady;
  // jSquash reads only these fields of an ImageData, which Workers do not define.
  const data = {
    data: new Uint8ClampedArray(pixels.buffer, pixels.byteOffset, pixels.byteLength),
    width,
    height,
  };
  return new Uint8Array(
    await encode({ ...data, colorSpace: 'srgb' } as unknown as Parameters<typeof encode>[0], { quality }),
  );
}
