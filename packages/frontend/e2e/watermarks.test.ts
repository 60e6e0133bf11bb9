import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { AlbumResource } from '@pixelflare/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiAs, openBrowser, type Browser } from './browser';

const fixtures = resolve(import.meta.dirname, '../../api/test/fixtures');
let browser: Browser;
const uploaded: Record<string, string> = {}; // filename → image id
const api = apiAs('alice');
const json = (method: string, body: unknown) => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

beforeAll(async () => {
  browser = await openBrowser();
  expect((await api('/v1/albums', json('POST', { slug: 'wm-proofs', title: 'Proofs' }))).status).toBe(201);
  for (const name of ['tiny.png', 'stripe.jpg']) {
    const form = new FormData();
    form.set('file', new Blob([await readFile(resolve(fixtures, name))]), name);
    form.set('album', 'wm-proofs');
    const response = await api('/v1/upload?allow_duplicate=true', { method: 'POST', body: form });
    expect(response.status).toBe(201);
    uploaded[name] = ((await response.json()) as { id: string }).id;
  }
});
afterAll(async () => {
  await browser?.close();
  // The files share one stack: leave it as it was.
  await api('/v1/albums/wm-proofs', json('PATCH', { forced_transform: null }));
  await api('/v1/transforms/e2e-proof', { method: 'DELETE' });
  await api('/v1/watermarks/e2e-logo', { method: 'DELETE' });
  for (const id of Object.values(uploaded))
    await api(`/v1/images/${id}?permanent=true`, { method: 'DELETE' });
  await api('/v1/albums/wm-proofs', { method: 'DELETE' });
});

describe('watermarks', () => {
  it('marks an image as a watermark on its page, forces it on an album, and unmarks it', async () => {
    const { page } = browser;
    await browser.visit(`/images/${uploaded['tiny.png']}`);
    const card = page.getByTestId('image-watermark');
    await card.getByLabel('Watermark name').fill('e2e-logo');
    await card.getByRole('button', { name: 'Mark as watermark' }).click();
    await card.getByTestId('image-watermark-marked').waitFor();
    expect(await card.textContent()).toContain('?wm=e2e-logo');

    // A named transform that draws it, tiled at full opacity (through the API: the dashboard has no transform editor).
    const transform = await api(
      '/v1/transforms',
      json('POST', { name: 'e2e-proof', params: { wm: 'e2e-logo', wm_pos: 'tile', wm_opacity: '1' } }),
    );
    expect(transform.status).toBe(201);

    await browser.visit('/albums');
    const item = page.getByTestId('album-item').filter({ hasText: 'Proofs' });
    await item.getByRole('button', { name: 'Edit Proofs' }).click();
    const editor = item.getByTestId('album-editor');
    const select = editor.getByLabel('Forced watermark');
    await select.locator('option[value="e2e-proof"]').waitFor({ state: 'attached' });
    await select.selectOption('e2e-proof');
    await editor.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Album Proofs saved.').waitFor();
    const album = (await (await api('/v1/albums/wm-proofs')).json()) as AlbumResource;
    expect(album.forced_transform).toBe('e2e-proof');

    // The plain original URL of the other image is now a watermarked rendition, not the uploaded bytes.
    const photo = (await (await api(`/v1/images/${uploaded['stripe.jpg']}`)).json()) as {
      urls: { cdn: string };
    };
    const served = new Uint8Array(await (await fetch(photo.urls.cdn)).arrayBuffer());
    const original = new Uint8Array(await readFile(resolve(fixtures, 'stripe.jpg')));
    expect(Buffer.from(served).equals(Buffer.from(original))).toBe(false);

    // Unmarking is refused while the transform draws it; the page says why.
    await browser.visit(`/images/${uploaded['tiny.png']}`);
    await page.getByTestId('image-watermark').getByRole('button', { name: 'Unmark' }).click();
    await page.getByTestId('image-watermark').getByRole('alert').waitFor();
    expect(await api('/v1/albums/wm-proofs', json('PATCH', { forced_transform: null }))).toHaveProperty(
      'status',
      200,
    );
    expect((await api('/v1/transforms/e2e-proof', { method: 'DELETE' })).status).toBe(204);
    await page.getByTestId('image-watermark').getByRole('button', { name: 'Unmark' }).click();
    await page.getByTestId('image-watermark').getByLabel('Watermark name').waitFor();
  });
});
