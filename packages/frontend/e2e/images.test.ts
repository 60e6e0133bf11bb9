import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openBrowser, type Browser } from './browser';

const fixtures = resolve(import.meta.dirname, '../../api/test/fixtures');
const files = ['photo-gps.jpg', 'stripe.jpg', 'tiny.png'].map((name) => resolve(fixtures, name));

let browser: Browser;
/** Alice's live images before this journey: other files on the shared stack may have left some. */
let before = 0;
beforeAll(async () => {
  browser = await openBrowser();
  const { apiUrl, apiKeys } = inject('stack');
  const listed = await fetch(`${apiUrl}/v1/images?limit=100`, {
    headers: { authorization: `Bearer ${apiKeys.alice}` },
  });
  expect(listed.status).toBe(200);
  before = ((await listed.json()) as { data: unknown[] }).data.length;
});
afterAll(async () => {
  await browser?.close();
});

async function fetchImage(url: string) {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get('content-type') ?? '' };
}

// One journey, in order: each step uses what the one before left behind.
let cdnUrl = ''; // the image's plain CDN URL, copied while it was public
describe('images, from upload to trash and back', () => {
  it('uploads three images through Uppy over tus, each progress bar reaching 100%', async () => {
    const { page } = browser;
    await browser.visit('/upload');
    await page.locator('.uppy-Dashboard-input').first().setInputFiles(files);
    await page.locator('.uppy-StatusBar-actionBtn--upload').click();
    await page.locator('[data-testid="upload-row"][data-state="done"]').nth(2).waitFor();
    expect(await page.getByTestId('upload-percent').allTextContents()).toEqual(['100%', '100%', '100%']);
    expect(await page.locator('[data-state="refused"]').count()).toBe(0);
    await browser.screenshots('upload');
  });

  it('shows them in the library grid', async () => {
    const { page } = browser;
    await browser.visit('/library');
    await page
      .getByTestId('grid-item')
      .nth(before + 2)
      .waitFor();
    expect(await page.getByTestId('grid-item').count()).toBe(before + 3);
    await browser.screenshots('library');
  });

  it('edits a title, and the copied CDN URL serves the image', async () => {
    const { page } = browser;
    await page.getByTestId('grid-item').first().locator('a').click();
    await page.getByTestId('title-input').fill('Harbour at dawn');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    expect(await page.getByTestId('image-title').textContent()).toBe('Harbour at dawn');
    await page.reload();
    expect(await page.getByTestId('title-input').inputValue()).toBe('Harbour at dawn');

    await page.getByTestId('cdn-url').locator('..').getByRole('button', { name: 'Copy' }).click();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(await page.getByTestId('cdn-url').inputValue());
    cdnUrl = copied;
    const original = await fetchImage(copied);
    expect(original.status).toBe(200);
    expect(original.type).toMatch(/^image\//);
    await browser.screenshots('image-detail');
  });

  it('builds a transform in the playground whose URL serves a resized image', async () => {
    const { page } = browser;
    await page.getByTestId('pg-width').fill('64');
    await page.getByTestId('pg-format').selectOption('png');
    const url = await page.getByTestId('pg-url').inputValue();
    expect(new URL(url).search).toBe('?w=64&format=png');
    const transformed = await fetchImage(url);
    expect(transformed).toEqual({ status: 200, type: 'image/png' });
    // Trim and metadata, as typed: the URL carries them and the CDN serves it.
    await page.getByTestId('pg-trim').fill('2;2;2;2');
    await page.getByTestId('pg-metadata').selectOption('none');
    const trimmed = await page.getByTestId('pg-url').inputValue();
    expect(new URL(trimmed).search).toBe('?w=64&format=png&trim=2%3B2%3B2%3B2&metadata=none');
    expect(await fetchImage(trimmed)).toEqual({ status: 200, type: 'image/png' });
  });

  it('clears the sensitive (nsfw) flag that moderation set, and the image is no longer marked', async () => {
    const { page } = browser;
    const { apiUrl, apiKeys } = inject('stack');
    const id = new URL(page.url()).pathname.split('/').at(-1)!;
    const imageApi = (init: RequestInit = {}) =>
      fetch(`${apiUrl}/v1/images/${id}`, {
        ...init,
        headers: { authorization: `Bearer ${apiKeys.alice}`, 'content-type': 'application/json' },
      });
    // What analysis does at a high moderation score.
    expect((await imageApi({ method: 'PATCH', body: JSON.stringify({ nsfw: true }) })).status).toBe(200);
    await page.reload();
    const flag = page.getByLabel('Sensitive (nsfw): kept off your public pages');
    expect(await flag.isChecked()).toBe(true);
    await flag.uncheck();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    expect(await ((await imageApi()).json() as Promise<{ nsfw: boolean }>)).toMatchObject({ nsfw: false });
    await page.reload();
    expect(await page.getByLabel('Sensitive (nsfw): kept off your public pages').isChecked()).toBe(false);
  });

  it('makes the image private and gives a signed link that serves it', async () => {
    const { page } = browser;
    await page.getByLabel('Private (only signed links work)').check();
    await page.getByRole('button', { name: 'Save' }).click();
    const signedField = page.getByLabel(/Signed link/);
    await signedField.waitFor();
    const signedUrl = await signedField.inputValue();
    expect(new URL(signedUrl).searchParams.has('sig')).toBe(true);
    expect(await fetchImage(signedUrl)).toMatchObject({
      status: 200,
      type: expect.stringMatching(/^image\//),
    });
    // Plain URLs and snippets are no longer offered: every copy field holds a signed URL.
    await page.getByTestId('signed-only').waitFor();
    expect(await page.getByTestId('cdn-url').count()).toBe(0);
    const offered = await page
      .locator('input[readonly]')
      .evaluateAll((fields) => fields.map((field) => (field as HTMLInputElement).value));
    expect(offered.length).toBeGreaterThan(0);
    expect(offered.filter((value) => !value.includes('sig='))).toEqual([]);
    expect((await fetchImage(cdnUrl)).status).toBe(403);
  });

  it('moves the image to the trash and restores it', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Move to trash' }).click();
    await page.waitForURL((url) => url.pathname === '/trash');
    await page.getByTestId('trash-item').first().waitFor();
    expect(await page.getByTestId('trash-item').allTextContents()).toEqual([
      expect.stringContaining('Harbour at dawn'),
    ]);
    await browser.screenshots('trash');
    await page.getByRole('button', { name: 'Restore' }).click();
    await page.getByTestId('empty').waitFor();
    await browser.visit('/library');
    await page
      .getByTestId('grid-item')
      .nth(before + 2)
      .waitFor();
    expect(await page.getByTestId('grid-item').count()).toBe(before + 3);
  });
});
