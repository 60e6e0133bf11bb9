import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { AlbumResource, ImageVariant } from '@pixelflare/shared';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { apiAs, labelsNotAbove, openBrowser, type Browser } from './browser';

const fixtures = resolve(import.meta.dirname, '../../api/test/fixtures');
let browser: Browser;
const uploaded: Record<string, string> = {}; // filename → image id
const api = apiAs('alice');

beforeAll(async () => {
  browser = await openBrowser();
  // An album with two images of our own, through the API with alice's key.
  const created = await api('/v1/albums', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ slug: 'dunes', title: 'Dunes' }),
  });
  expect(created.status).toBe(201);
  for (const name of ['stripe.jpg', 'tiny.png']) {
    const form = new FormData();
    form.set('file', new Blob([await readFile(resolve(fixtures, name))]), name);
    form.set('album', 'dunes');
    const response = await api('/v1/upload?allow_duplicate=true', { method: 'POST', body: form });
    expect(response.status).toBe(201);
    uploaded[name] = ((await response.json()) as { id: string }).id;
  }
});
afterAll(async () => {
  await browser?.close();
  // The files share one stack in no fixed order: leave the library as it was (images.test counts its grid).
  for (const id of Object.values(uploaded))
    await api(`/v1/images/${id}?permanent=true`, { method: 'DELETE' });
  await api('/v1/albums/dunes', { method: 'DELETE' });
});

// Waits for an <img> to finish loading; true when it shows a picture.
const loaded = (img: Element) =>
  new Promise<boolean>((done) => {
    const image = img as HTMLImageElement;
    if (image.complete) return done(image.naturalWidth > 0);
    image.addEventListener('load', () => done(image.naturalWidth > 0), { once: true });
    image.addEventListener('error', () => done(false), { once: true });
  });

describe('albums and variants', () => {
  it("lists an image's presets, and one requested from the CDN with its rendition ready", async () => {
    const { page } = browser;
    const id = uploaded['stripe.jpg']!;
    await browser.visit(`/images/${id}`);
    const rows = page.getByTestId('variant-row');
    await rows.first().waitFor();
    const listed = (await (await api(`/v1/images/${id}/variants`)).json()) as { data: ImageVariant[] };
    expect(await rows.evaluateAll((all) => all.map((row) => row.getAttribute('data-preset')))).toEqual(
      listed.data.map((variant) => variant.preset),
    );
    expect(await page.locator('[data-preset="thumb"]').textContent()).toContain('128 × 128, cropped to fill');

    // The queue renders WebP and AVIF ahead; asking for JPEG (the original's format) is a first request.
    const w256 = page.locator('[data-preset="w256"]');
    expect(await w256.textContent()).toContain('up to 256 px wide');
    const href = await w256.getByRole('link', { name: 'w256' }).getAttribute('href');
    const served = await fetch(href!, { headers: { accept: 'image/jpeg' } });
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/jpeg');
    await served.arrayBuffer();

    // Its row is written after the answer goes out: once the API lists it, Refresh shows it.
    await vi.waitFor(
      async () => {
        const { data } = (await (await api(`/v1/images/${id}/variants`)).json()) as { data: ImageVariant[] };
        const formats = data.find((variant) => variant.preset === 'w256')?.formats ?? [];
        expect(formats.find((rendition) => rendition.format === 'jpeg')?.status).toBe('ready');
      },
      { timeout: 30_000, interval: 200 },
    );
    await page.getByRole('button', { name: 'Refresh' }).click();
    const jpeg = w256.locator('[data-testid="rendition"][data-format="jpeg"][data-status="ready"]');
    await jpeg.waitFor();
    expect(await jpeg.textContent()).toMatch(/Ready\s*[\d.]+ (byte|kB),\s*\d+ × \d+/);
  });

  it("edits an album's title and visibility and sets its cover, which a reload keeps", async () => {
    const { page } = browser;
    await browser.visit('/albums');
    const item = page.getByTestId('album-item').filter({ hasText: 'Dunes' });
    await item.getByRole('button', { name: 'Edit Dunes' }).click();
    const editor = item.getByTestId('album-editor');
    // The title field takes the focus; Escape closes the editor and gives it back to the Edit button.
    expect(await editor.getByLabel('Title').evaluate((field) => field === document.activeElement)).toBe(true);
    await page.keyboard.press('Escape');
    await editor.waitFor({ state: 'detached' });
    expect(
      await item.getByRole('button', { name: 'Edit Dunes' }).evaluate((b) => b === document.activeElement),
    ).toBe(true);

    await page.keyboard.press('Enter');
    await editor.getByLabel('Title').fill('Dunes at dusk');
    await editor.getByLabel('Description').fill('Sand, wind and late light.');
    await editor.getByLabel('Visibility').selectOption('private');
    // The picker shows the album's own images as thumbnails; choosing one is a click on it.
    const stripe = editor.getByRole('radio', { name: 'stripe.jpg' });
    await editor.getByRole('radio', { name: 'tiny.png' }).waitFor({ state: 'attached' });
    await editor.getByTitle('stripe.jpg').click();
    expect(await stripe.isChecked()).toBe(true);
    await editor.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Album Dunes at dusk saved.').waitFor();

    // The album list carries each cover's thumbnail: the page asks for no image one by one.
    const asked: string[] = [];
    const record = (request: { url(): string }) => asked.push(new URL(request.url()).pathname);
    page.on('request', record);
    await browser.visit('/albums');
    const card = page.getByTestId('album-item').filter({ hasText: 'Dunes at dusk' });
    expect(await card.getByTestId('album-visibility').textContent()).toBe('Private');
    await card.getByText('Sand, wind and late light.').waitFor();
    const cover = card.getByRole('img', { name: 'Cover of Dunes at dusk' });
    await cover.waitFor();
    // The card shows the chosen image's thumbnail, signed now that the album is private, and it did load.
    const image = (await (await api(`/v1/images/${uploaded['stripe.jpg']}`)).json()) as {
      urls: { cdn: string };
    };
    const src = (await cover.getAttribute('src')) ?? '';
    expect(src.startsWith(`${image.urls.cdn}/thumb?`) && src.includes('sig=')).toBe(true);
    expect(await cover.evaluate(loaded)).toBe(true);
    page.off('request', record);
    expect(asked.filter((path) => path.startsWith('/v1/images'))).toEqual([]);
    expect(asked).toContain('/v1/albums');

    const album = (await (await api('/v1/albums/dunes')).json()) as AlbumResource;
    expect(album.cover?.thumb_url).toBe(src);
    expect(album).toMatchObject({
      title: 'Dunes at dusk',
      description: 'Sand, wind and late light.',
      visibility: 'private',
      cover_image_id: uploaded['stripe.jpg'],
    });
  });

  it('links no unsigned preset URL, and signs the preview, once the album is private', async () => {
    const { page } = browser;
    await browser.visit(`/images/${uploaded['stripe.jpg']}`);
    const w256 = page.locator('[data-preset="w256"]');
    await w256.waitFor();
    await page.getByText('Only signed URLs serve this image').waitFor();
    expect(await page.getByTestId('variants').getByRole('link').count()).toBe(0);
    // The share card offers the signed link only, saying why, and no plain URL or snippet.
    await page.getByTestId('signed-only').waitFor();
    expect(await page.getByTestId('cdn-url').count()).toBe(0);
    expect(await page.getByTestId('signed-url').inputValue()).toContain('sig=');
    const preview = page.locator('section img').first();
    await page.waitForFunction(() =>
      document.querySelector('section img')?.getAttribute('src')?.includes('sig='),
    );
    expect(await preview.evaluate(loaded)).toBe(true);
  });

  it('fits 375 px with the album editor open and the variants listed, every label above its field', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 375, height: 800 });
    try {
      await browser.visit('/albums');
      await page.getByRole('button', { name: 'Edit Dunes at dusk' }).click();
      await page.getByRole('radio', { name: 'stripe.jpg' }).waitFor({ state: 'attached' });
      expect((await labelsNotAbove(page)).misplaced).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);

      await browser.visit(`/images/${uploaded['stripe.jpg']}`);
      await page.locator('[data-preset="w256"] [data-testid="rendition"]').first().waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  it('marks a manual send in the delivery log', async () => {
    const { page } = browser;
    // Nothing listens on port 9: the test ping fails, and is still logged as a manual send.
    const url = 'http://127.0.0.1:9/manual-send';
    const created = await api('/v1/webhooks', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    try {
      expect((await api(`/v1/webhooks/${id}/test`, { method: 'POST' })).ok).toBe(true);
      await browser.visit('/settings');
      const endpoint = page.getByTestId('webhook-item').filter({ hasText: url });
      await endpoint.getByRole('button', { name: `Delivery log ${url}` }).click();
      // The endpoint takes every event, so deliveries for this file's earlier uploads (image.variants_ready) may be
      // logged above the ping: the ping's row is found by its event.
      const row = endpoint.getByTestId('delivery-row').filter({ hasText: 'ping' }).first();
      await row.waitFor();
      expect(await row.getByTestId('delivery-manual').textContent()).toBe('Sent manually');
    } finally {
      await api(`/v1/webhooks/${id}`, { method: 'DELETE' });
    }
  });
});
