import { PhotonImage } from '@cf-wasm/photon/workerd';
import { env } from 'cloudflare:workers';
import { resolveTransform, type TransformInput } from '@pixelflare/shared';
import { describe, expect, it } from 'vitest';
import { RED, colourAt, isClose, makePng, type Rgb } from '../../test/fixtures/cdn/images';
import { createImagesBindingEngine } from './images-binding';
import { readImageHeader } from './image-size';
import type { ImageEngine } from './types';
import { createWasmEngine } from './wasm';

/**
 * Watermarks drawn by the engines, checked on real pixels: a black 400×300 source and an opaque red 40×20
 * watermark, scaled to a quarter of the output's width (100×50), with the 2 % margin (8 px) at the corners.
 */
const BLACK: Rgb = [0, 0, 0];
const source = makePng(400, 300, () => BLACK);
const overlay = makePng(40, 20, () => RED);

const draw = (engine: ImageEngine, input: TransformInput) =>
  engine.transform({
    source,
    sourceType: 'image/png',
    sourceSize: { width: 400, height: 300 },
    sourceAnimated: false,
    transform: resolveTransform({ watermark: 'logo', watermarkScale: 0.25, ...input }),
    output: 'png',
    watermark: { bytes: overlay, contentType: 'image/png' },
  });

/** Red at `opacity` over black. */
const redAt = (opacity: number): Rgb => RED.map((channel) => Math.round(channel * opacity)) as Rgb;

const engines: [string, () => ImageEngine][] = [
  ['WebAssembly engine', () => createWasmEngine()],
  // Miniflare's binding ignores .draw(): the probe finds that out and the watermark is drawn in the Worker.
  ['Images binding engine (local binding)', () => createImagesBindingEngine(env.IMAGES!)],
];

describe.each(engines)('%s', (_, engineOf) => {
  it('draws the watermark at the chosen corner with the chosen opacity, nothing elsewhere', async () => {
    const out = await draw(engineOf(), { watermarkPosition: 'bottom-right', watermarkOpacity: 0.5 });
    expect(readImageHeader(out.bytes)).toEqual({ format: 'png', width: 400, height: 300 });
    // The overlay spans x 292–391, y 242–291.
    for (const [x, y] of [
      [295, 245],
      [340, 266],
      [388, 288],
    ] as const)
      expect(colourAt(out.bytes, x, y), `${x},${y}`).toEqual(redAt(0.5));
    for (const [x, y] of [
      [288, 266],
      [340, 238],
      [395, 295],
      [20, 20],
      [200, 150],
    ] as const)
      expect(colourAt(out.bytes, x, y), `${x},${y}`).toEqual(BLACK);
  });

  it('puts it top-left, top-right, bottom-left and in the centre', async () => {
    const engine = engineOf();
    const inside: Record<string, [number, number]> = {
      'top-left': [12, 12],
      'top-right': [388, 12],
      'bottom-left': [12, 288],
      center: [200, 150],
    };
    for (const [position, [x, y]] of Object.entries(inside)) {
      const out = await draw(engine, { watermarkPosition: position as 'center', watermarkOpacity: 1 });
      expect(isClose(colourAt(out.bytes, x, y), RED, 2), position).toBe(true);
      // The opposite corner (for the centre, a corner) stays the source's.
      const [ox, oy] = position === 'center' ? [5, 5] : [399 - x, 299 - y];
      expect(colourAt(out.bytes, ox, oy), position).toEqual(BLACK);
    }
  });

  it('tile covers the whole image', async () => {
    const out = await draw(engineOf(), { watermarkPosition: 'tile', watermarkOpacity: 0.8 });
    const image = PhotonImage.new_from_byteslice(out.bytes);
    const raw = image.get_raw_pixels();
    image.free();
    const off: string[] = [];
    for (let i = 0; i < raw.length; i += 4) {
      const pixel = [raw[i], raw[i + 1], raw[i + 2]];
      if (pixel.join() !== redAt(0.8).join()) off.push(`${(i / 4) % 400},${Math.floor(i / 4 / 400)}`);
    }
    expect(off.slice(0, 5)).toEqual([]);
  });

  it('scales the watermark with the output width (wm_scale of the resized image)', async () => {
    const out = await engineOf().transform({
      source,
      sourceType: 'image/png',
      sourceSize: { width: 400, height: 300 },
      sourceAnimated: false,
      transform: resolveTransform({
        width: 200,
        watermark: 'logo',
        watermarkScale: 0.5,
        watermarkPosition: 'top-left',
        watermarkOpacity: 1,
      }),
      output: 'png',
      watermark: { bytes: overlay, contentType: 'image/png' },
    });
    // 200×150 output: a 100×50 overlay from (4, 4).
    expect(readImageHeader(out.bytes)).toMatchObject({ width: 200, height: 150 });
    expect(isClose(colourAt(out.bytes, 100, 50), RED, 2)).toBe(true);
    expect(colourAt(out.bytes, 106, 20)).toEqual(BLACK);
    expect(colourAt(out.bytes, 50, 56)).toEqual(BLACK);
  });

  it('never answers without the watermark its transform names', async () => {
    await expect(
      engineOf().transform({
        source,
        sourceType: 'image/png',
        sourceSize: { width: 400, height: 300 },
        sourceAnimated: false,
        transform: resolveTransform({ watermark: 'logo' }),
        output: 'png',
      }),
    ).rejects.toThrow();
  });
});

/**
 * A stand-in for Cloudflare's production binding, whose `.draw()` draws (Miniflare's does not): it answers the
 * engine's probe as a drawing binding would and records every `.draw()`, so the options the engine passes are
 * checked. Other calls go to the local binding.
 */
function drawingBindingStandIn() {
  const draws: { overlay: unknown; options: unknown }[] = [];
  const binding = {
    info: (stream: ReadableStream<Uint8Array>) => env.IMAGES!.info(stream),
    input(stream: ReadableStream<Uint8Array>) {
      const steps: ImageTransform[] = [];
      let drawn = false;
      const transformer = {
        transform(step: ImageTransform) {
          steps.push(step);
          return transformer;
        },
        draw(image: unknown, options: ImageDrawOptions) {
          drawn = true;
          draws.push({ overlay: (image as { steps?: unknown }).steps, options });
          return transformer;
        },
        steps,
        async output(options: ImageOutputOptions) {
          const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
          const header = readImageHeader(bytes);
          // The probe: a 2×1 black PNG with a white dot drawn at its top-left.
          if (drawn && header?.width === 2 && header.height === 1) {
            const white = makePng(2, 1, (x) => (x === 0 ? [255, 255, 255] : BLACK));
            return {
              image: () => new Response(white).body!,
              contentType: () => 'image/png',
              response: () => new Response(white),
            };
          }
          let local = env.IMAGES!.input(new Response(bytes).body!);
          for (const step of steps) local = local.transform(step);
          return local.output(options);
        },
      };
      return transformer;
    },
  };
  return { binding: binding as unknown as ImagesBinding, draws };
}

describe('Images binding engine with a binding that draws (stand-in)', () => {
  it('draws with .draw(): the overlay resized to its share of the width, placed by edges, at the opacity', async () => {
    const { binding, draws } = drawingBindingStandIn();
    const engine = createImagesBindingEngine(binding);
    await draw(engine, { watermarkPosition: 'bottom-right', watermarkOpacity: 0.4 });
    await draw(engine, { watermarkPosition: 'tile', watermarkOpacity: 1 });
    // The probe's draw, then one per rendition.
    expect(draws.slice(1)).toEqual([
      {
        overlay: [{ width: 100, height: 50, fit: 'squeeze' }],
        options: { opacity: 0.4, bottom: 8, right: 8 },
      },
      {
        overlay: [{ width: 100, height: 50, fit: 'squeeze' }],
        options: { opacity: 1, top: 0, left: 0, repeat: true },
      },
    ]);
  });
});
