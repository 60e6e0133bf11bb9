import { createDb, imageAi } from '@pixelflare/database';
import type { ImageResource } from '@pixelflare/shared';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { thumbHashToAverageRGBA } from 'thumbhash';
import { beforeAll, describe, expect, it } from 'vitest';
import { BLUE, RED, WHITE, makeJpeg, makePng, storeImage, type Rgb } from '../../../test/fixtures/cdn/images';
import { upload, uploadForm } from '../../../test/fixtures/upload-helpers';
import { authed, call, createUser, type TestUser } from '../../../test/helpers';
import { runQueueBatch } from '../../../test/queue';
import { waitFor } from '../../../test/wait-for';
import { colorFactsOf, colorNameOf } from './colors';

const averageOf = (thumbhash: string): Rgb => {
  const bytes = Uint8Array.from(atob(thumbhash), (c) => c.charCodeAt(0));
  const { r, g, b } = thumbHashToAverageRGBA(bytes);
  return [r * 255, g * 255, b * 255];
};
/** The largest channel difference, so a failure shows by how much. */
// ThumbHash stores the average colour in a few bits per channel: a flat colour comes back within about 4 levels.
const offBy = (actual: Rgb, expected: Rgb) =>
  Math.max(...actual.map((channel, i) => Math.abs(channel - expected[i]!)));
const rgbOf = (hex: string): Rgb => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as Rgb;

const solid = (width: number, height: number, colour: Rgb) => {
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < rgba.length; i += 4) rgba.set([...colour, 255], i);
  return { width, height, rgba };
};

describe('colours and ThumbHash', () => {
  it('a solid image: its ThumbHash decodes to its colour, which is the dominant colour and the whole palette', () => {
    const facts = colorFactsOf(solid(64, 48, [40, 110, 200]));
    expect(offBy(averageOf(facts.thumbhash), [40, 110, 200])).toBeLessThanOrEqual(6);
    expect(facts.dominantColor).toBe('#286ec8');
    expect(facts.palette).toEqual([{ color: '#286ec8', share: 1 }]);
    expect(facts.colorNames).toEqual(['blue']);
  });

  it('a picture three quarters red, one white: red dominates, both are named, the average is their mix', () => {
    const { width, height } = { width: 80, height: 80 };
    const rgba = new Uint8Array(width * height * 4);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) rgba.set([...(x < 60 ? RED : WHITE), 255], (y * width + x) * 4);
    const facts = colorFactsOf({ width, height, rgba });
    expect(facts.dominantColor).toBe('#e61414');
    expect(facts.palette.map((entry) => entry.share)).toEqual([0.75, 0.25]);
    expect(facts.colorNames).toEqual(['red', 'white']);
    const mix = RED.map((c, i) => c * 0.75 + WHITE[i]! * 0.25) as Rgb;
    expect(offBy(averageOf(facts.thumbhash), mix)).toBeLessThanOrEqual(12);
  });

  it('names colours as people would', () => {
    expect(colorNameOf(0, 0, 0)).toBe('black');
    expect(colorNameOf(255, 255, 255)).toBe('white');
    expect(colorNameOf(128, 128, 128)).toBe('gray');
    expect(colorNameOf(230, 20, 20)).toBe('red');
    expect(colorNameOf(255, 140, 0)).toBe('orange');
    expect(colorNameOf(240, 220, 30)).toBe('yellow');
    expect(colorNameOf(20, 200, 20)).toBe('green');
    expect(colorNameOf(0, 160, 160)).toBe('teal');
    expect(colorNameOf(20, 20, 230)).toBe('blue');
    expect(colorNameOf(130, 40, 200)).toBe('purple');
    expect(colorNameOf(240, 100, 180)).toBe('pink');
    expect(colorNameOf(110, 60, 20)).toBe('brown');
  });

  it('refuses a sample larger than ThumbHash takes', () => {
    expect(() => colorFactsOf(solid(101, 10, RED))).toThrow(RangeError);
  });
});

describe('placeholders through the variants queue', () => {
  let owner: TestUser;
  beforeAll(async () => {
    owner = await createUser('paloma');
  });
  const get = async (path: string) => {
    const response = await call(path, authed(owner.key));
    expect(response.status).toBe(200);
    return response.json();
  };

  it('an upload gets a placeholder that decodes to its colour; listing filters by colour', async () => {
    const red = (await (
      await upload(
        owner,
        uploadForm(
          makeJpeg(640, 480, () => RED),
          'red.jpg',
        ),
      )
    ).json()) as ImageResource;
    const blue = (await (
      await upload(
        owner,
        uploadForm(
          makePng(300, 500, () => BLUE),
          'blue.png',
        ),
      )
    ).json()) as ImageResource;
    expect(red.placeholder).toBeNull();
    const [redAfter, blueAfter] = await waitFor(async () => {
      const both = (await Promise.all([
        get(`/v1/images/${red.id}`),
        get(`/v1/images/${blue.id}`),
      ])) as ImageResource[];
      for (const image of both) expect(image.placeholder).not.toBeNull();
      return both as [ImageResource, ImageResource];
    });
    // JPEG at q95 keeps a flat colour within a few levels.
    expect(offBy(averageOf(redAfter.placeholder!.thumbhash), RED)).toBeLessThanOrEqual(8);
    expect(offBy(rgbOf(redAfter.placeholder!.dominant_color!), RED)).toBeLessThanOrEqual(8);
    expect(blueAfter.placeholder!.dominant_color).toBe('#1414e6');
    expect(offBy(averageOf(blueAfter.placeholder!.thumbhash), BLUE)).toBeLessThanOrEqual(6);

    const list = (color: string) =>
      get(`/v1/images?color=${color}`).then((page) =>
        (page as { data: ImageResource[] }).data.map((i) => i.filename),
      );
    expect(await list('red')).toEqual(['red.jpg']);
    expect(await list('blue')).toEqual(['blue.png']);
    expect(await list('green')).toEqual([]);
    const bad = await call('/v1/images?color=chartreuse', authed(owner.key));
    expect(bad.status).toBe(400);
  });

  it('running the job again changes nothing, and a forced re-run writes the same colours', async () => {
    const stored = await storeImage(owner.id, {
      filename: 'again.png',
      // 100 px wide: the sample is the picture itself, so each quadrant is exactly a quarter.
      bytes: makePng(100, 80),
      contentType: 'image/png',
      width: 100,
      height: 80,
    });
    const db = createDb(env.DB);
    const row = () => db.select().from(imageAi).where(eq(imageAi.imageId, stored.id)).get();
    const message = { type: 'generate', imageId: stored.id, ownerId: owner.id, variants: ['w128'] };
    await runQueueBatch('pixelflare-variants', [message]);
    const first = await row();
    expect(first?.thumbhash).toBeTruthy();
    // Quadrants red, green, blue and white: each a quarter.
    expect(first!.palette!.map((entry) => entry.share)).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect([...first!.colorNames!].sort()).toEqual(['blue', 'green', 'red', 'white']);
    await runQueueBatch('pixelflare-variants', [message]);
    expect(await row()).toEqual(first);
    await runQueueBatch('pixelflare-variants', [
      { type: 'analyze', imageId: stored.id, ownerId: owner.id, force: true },
    ]);
    const colours = (r: typeof first) => [r?.thumbhash, r?.dominantColor, r?.palette, r?.colorNames];
    expect(colours(await row())).toEqual(colours(first));
  });

  it('an SVG image gets no placeholder (nor does an encrypted one: analysable)', async () => {
    const svg = await storeImage(owner.id, {
      filename: 'shape.svg',
      bytes: new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>'),
      contentType: 'image/svg+xml',
      width: 4,
      height: 4,
    });
    await runQueueBatch('pixelflare-variants', [
      { type: 'analyze', imageId: svg.id, ownerId: owner.id, force: true },
    ]);
    const db = createDb(env.DB);
    expect(await db.select().from(imageAi).where(eq(imageAi.imageId, svg.id)).get()).toBeUndefined();
  });
});
