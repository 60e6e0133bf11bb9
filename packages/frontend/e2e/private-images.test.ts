import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiAs, brokenImages, openBrowser, signInAs, type Browser } from './browser';

const fixtures = resolve(import.meta.dirname, '../../api/test/fixtures');
let browser: Browser;
// Bob's, so alice's library (which other files count) is left alone.
const api = apiAs('bob');
const uploaded: { id: string; name: string }[] = [];

async function upload(name: string, fields: Record<string, string>) {
  const form = new FormData();
  form.set('file', new Blob([await readFile(resolve(fixtures, name))]), name);
  for (const [field, value] of Object.entries(fields)) form.set(field, value);
  const response = await api('/v1/upload?allow_duplicate=true', { method: 'POST', body: form });
  expect(response.status).toBe(201);
  const image = (await response.json()) as { id: string; access: string };
  expect(image.access).toBe('signed');
  uploaded.push({ id: image.id, name });
  return image.id;
}

beforeAll(async () => {
  browser = await openBrowser();
  await signInAs(browser, 'bob');
  // A private image, and an image of its own public in a private album (the album's cover).
  await upload('stripe.jpg', { is_private: 'true', title: 'Private stripe' });
  const created = await api('/v1/albums', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ slug: 'vault', title: 'Vault', visibility: 'private' }),
  });
  expect(created.status).toBe(201);
  const cover = await upload('photo-gps.jpg', { album: 'vault', title: 'In the vault' });
  await api('/v1/albums/vault', {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ cover_image_id: cover }),
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  for (const { id } of uploaded) await api(`/v1/images/${id}?permanent=true`, { method: 'DELETE' });
  await api('/v1/albums/vault', { method: 'DELETE' });
});

/** The `src` of every picture on the page that is one of the private ones (signed: `sig=` in the URL). */
const signedPictures = () =>
  browser.page.evaluate(() =>
    [...document.images].map((image) => image.currentSrc || image.src).filter((src) => src.includes('sig=')),
  );

describe('private images in the dashboard', () => {
  it('shows them in the library, with every thumbnail loaded', async () => {
    await browser.visit('/library');
    await browser.page.getByAltText('Private stripe').waitFor();
    await browser.page.getByAltText('In the vault').waitFor();
    expect(await brokenImages(browser.page)).toEqual([]);
    expect((await signedPictures()).length).toBeGreaterThanOrEqual(2);
  });

  it('shows them on the overview, with every tile loaded', async () => {
    await browser.visit('/');
    await browser.page.getByAltText('Private stripe').waitFor();
    expect(await brokenImages(browser.page)).toEqual([]);
    expect((await signedPictures()).length).toBeGreaterThanOrEqual(2);
  });

  it("shows the private album's cover, and its images in the cover picker", async () => {
    const { page } = browser;
    await browser.visit('/albums');
    await page.getByTestId('album-cover').first().waitFor();
    await page.getByRole('button', { name: 'Edit Vault' }).click();
    await page.getByTestId('album-editor').getByTitle('In the vault').waitFor();
    expect(await brokenImages(page)).toEqual([]);
    expect((await signedPictures()).length).toBeGreaterThanOrEqual(2);
  });

  it("shows a private image's own page with its preview loaded", async () => {
    const { page } = browser;
    await browser.visit(`/images/${uploaded[0]!.id}`);
    await page.getByTestId('signed-url').waitFor();
    expect(await brokenImages(page)).toEqual([]);
    expect((await signedPictures()).length).toBeGreaterThanOrEqual(1);
  });
});
