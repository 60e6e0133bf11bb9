import { createDb, imageAi, images } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { makePng, storeImage, type StoredImage } from '../../../test/fixtures/cdn/images';
import { authed, call, createUser, type TestUser } from '../../../test/helpers';
import { colorFactsOf } from '../../services/analysis/colors';

// Public profile, album and share pages show each image's placeholder (dominant colour and a tiny ThumbHash
// picture) behind it while it loads, in a style attribute: no script.
const db = createDb(env.DB);
let pat: TestUser;
let placed: StoredImage;
let dominant: string;

const json = (method: string, body: unknown) => ({
  method,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

/** A 16×12 picture, red on the left fading to blue on the right: its colours as the variants job stores them. */
function gradientFacts() {
  const width = 16;
  const height = 12;
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 4;
      rgba.set([255 - x * 15, 40, x * 15, 255], at);
    }
  return colorFactsOf({ width, height, rgba });
}

beforeAll(async () => {
  pat = await createUser('pat-placeholders');
  const created = await call(
    '/v1/albums',
    authed(pat.key, json('POST', { slug: 'trip', title: 'Trip', visibility: 'public' })),
  );
  expect(created.status).toBe(201);
  const { id: albumId } = (await created.json()) as { id: string };
  const png = { bytes: makePng(40, 30), contentType: 'image/png' as const, width: 40, height: 30 };
  placed = await storeImage(pat.id, { filename: 'placed.png', album: 'trip', ...png });
  await storeImage(pat.id, { filename: 'bare.png', album: 'trip', ...png });
  await db.update(images).set({ albumId }).where(eq(images.ownerId, pat.id));
  const facts = gradientFacts();
  dominant = facts.dominantColor!;
  await db.insert(imageAi).values({
    imageId: placed.id,
    ownerId: pat.id,
    thumbhash: facts.thumbhash,
    dominantColor: facts.dominantColor,
    colorsAt: new Date(),
  });
});

/** The style attribute of each img, by its src's file name. */
async function stylesOn(path: string): Promise<Map<string, string | null>> {
  const response = await call(path);
  expect(response.status, path).toBe(200);
  const styles = new Map<string, string | null>();
  await new HTMLRewriter()
    .on('img', {
      element(element) {
        const src = element.getAttribute('src') ?? '';
        const name = ['placed.png', 'bare.png'].find((file) => src.includes(file)) ?? src;
        styles.set(name, element.getAttribute('style'));
      },
    })
    .transform(response)
    .text();
  return styles;
}

function expectPlaceholder(style: string | null | undefined, maxLength: number) {
  expect(style).toContain(`background-color: ${dominant}`);
  expect(style).toMatch(/background-image: url\(data:image\/png;base64,[A-Za-z0-9+/=]+\)/);
  expect(style).toContain('background-size: cover');
  expect(style!.length).toBeLessThan(maxLength);
}

describe('placeholders on public pages', () => {
  it('the profile and album pages carry the dominant colour and a small ThumbHash picture behind each image', async () => {
    for (const path of ['/u/pat-placeholders', '/u/pat-placeholders/trip']) {
      const styles = await stylesOn(path);
      // 8 px a side keeps each one under a kilobyte: a grid of 48 stays light.
      expectPlaceholder(styles.get('placed.png'), 1000);
      // An image whose placeholder is not worked out yet has none (the page's card colour shows).
      expect(styles.get('bare.png'), path).toBeNull();
    }
  });

  it('a share page carries them too', async () => {
    const response = await call('/v1/share-links', authed(pat.key, json('POST', { image_id: placed.id })));
    expect(response.status).toBe(201);
    const { url } = (await response.json()) as { url: string };
    const styles = await stylesOn(new URL(url).pathname);
    const [style] = [...styles.values()];
    expect(styles.size).toBe(1);
    // A single image is shown large: the full-size ThumbHash.
    expectPlaceholder(style, 8000);
  });
});
