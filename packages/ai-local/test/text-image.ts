import { PhotonImage, Rgba, draw_text_with_color } from '@cf-wasm/photon/node';

/** A PNG of black text on white, drawn with Photon's built-in font. */
export function textImage(text: string, width = 900, height = 160): Uint8Array {
  const image = new PhotonImage(new Uint8Array(width * height * 4).fill(255), width, height);
  draw_text_with_color(image, text, 20, 40, 56, new Rgba(0, 0, 0, 255));
  const bytes = image.get_bytes();
  image.free();
  return bytes;
}
