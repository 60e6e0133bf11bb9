import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiAs, brokenImages, openBrowser, signInAs, type Browser } from './browser';

const fixtures = resolve(import.meta.dirname, '../../api/test/fixtures');
const NAME = 'photo-gps.jpg';
let browser: Browser;
// Bob's: encryption, once on, stays on for the account, and alice's settings are screenshotted for the docs.
const api = apiAs('bob');
let imageId = '';

beforeAll(async () => {
  browser = await openBrowser();
  await signInAs(browser, 'bob');
});
afterAll(async () => {
  await browser?.close();
  await api('/v1/albums/sealed', { method: 'DELETE' });
  if (imageId) await api(`/v1/images/${imageId}?permanent=true`, { method: 'DELETE' });
});

// One journey, in order: each step uses what the one before left behind.
describe('encryption at rest in the dashboard', () => {
  it('is turned on in Settings only after the trade-offs are acknowledged', async () => {
    const { page } = browser;
    await browser.visit('/settings');
    const section = page.locator('#encryption');
    await section.getByTestId('encryption-tradeoffs').waitFor();
    const enable = section.getByTestId('encryption-enable');
    expect(await enable.isDisabled()).toBe(true);
    await section.getByText('I understand these trade-offs').click();
    await enable.click();
    await section.getByTestId('encryption-status').waitFor();
    const status = (await (await api('/v1/encryption')).json()) as { enabled: boolean };
    expect(status.enabled).toBe(true);
  });

  it('uploads with the Encrypt switch on', async () => {
    const { page } = browser;
    await browser.visit('/upload');
    const toggle = page.getByTestId('upload-encrypt');
    // The account default is off: the switch starts off.
    expect(await toggle.isChecked()).toBe(false);
    await toggle.check();
    await page
      .locator('.uppy-Dashboard-input')
      .first()
      .setInputFiles([resolve(fixtures, NAME)]);
    await page.locator('.uppy-StatusBar-actionBtn--upload').click();
    await page.locator('[data-testid="upload-row"][data-state="done"]').first().waitFor();
    const listed = (await (await api('/v1/images?limit=100')).json()) as {
      data: { id: string; filename: string; is_encrypted: boolean }[];
    };
    const image = listed.data.find((entry) => entry.filename === NAME);
    expect(image?.is_encrypted).toBe(true);
    imageId = image!.id;
  });

  it('shows its thumbnail in the library through a token, badged', async () => {
    const { page } = browser;
    await browser.visit('/library');
    const item = page.getByTestId('grid-item').filter({ has: page.getByAltText(NAME) });
    await item.getByTestId('encrypted-badge').waitFor();
    const thumb = item.getByAltText(NAME);
    await page.waitForFunction(
      (element) => element instanceof HTMLImageElement && element.src.includes('token='),
      await thumb.elementHandle(),
    );
    expect(await brokenImages(page)).toEqual([]);
    expect(await thumb.evaluate((element: HTMLImageElement) => element.naturalWidth)).toBeGreaterThan(0);
  });

  it('shows it on the overview and as an album cover through tokens too', async () => {
    const { page } = browser;
    const created = await api('/v1/albums', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ slug: 'sealed', title: 'Sealed', cover_image_id: imageId }),
    });
    expect(created.status).toBe(201);
    const tokenLoaded = (element: SVGElement | HTMLElement) =>
      element instanceof HTMLImageElement && element.src.includes('token=') && element.naturalWidth > 0;
    await browser.visit('/albums');
    const cover = page.getByTestId('album-item').filter({ hasText: 'Sealed' }).getByTestId('album-cover');
    await page.waitForFunction(tokenLoaded, await cover.elementHandle());
    await browser.visit('/');
    await page.waitForFunction(tokenLoaded, await page.getByAltText(NAME).first().elementHandle());
    expect(await brokenImages(page)).toEqual([]);
  });

  it('opens the image page, copies a link valid for 1 hour, and the link serves the image', async () => {
    const { page } = browser;
    await browser.visit('/library');
    await page
      .getByTestId('grid-item')
      .filter({ has: page.getByAltText(NAME) })
      .locator('a')
      .first()
      .click();
    await page.waitForURL((url) => url.pathname === `/images/${imageId}`);
    const preview = page.getByTestId('encrypted-preview');
    await page.waitForFunction(
      (element) => element instanceof HTMLImageElement && element.complete && element.naturalWidth > 0,
      await preview.elementHandle(),
    );
    // No plain URL, snippet or transform is offered: they would answer 404.
    await page.getByTestId('encrypted-only').waitFor();
    expect(await page.getByTestId('cdn-url').count()).toBe(0);
    await page.getByTestId('pg-encrypted').waitFor();

    await page.locator('select').filter({ hasText: '1 hour' }).selectOption({ label: '1 hour' });
    await page.getByTestId('encrypted-copy-link').click();
    await page.getByTestId('encrypted-link-copied').waitFor();
    const link = await page.evaluate(() => navigator.clipboard.readText());
    expect(link).toMatch(/\/cdn\/i\/\w+\?token=/);

    const download = new Uint8Array(await (await api(`/v1/images/${imageId}/download`)).arrayBuffer());
    const opened = await page.goto(link);
    expect(opened?.status()).toBe(200);
    expect(opened?.headers()['content-type']).toBe('image/jpeg');
    expect(new Uint8Array(await opened!.body())).toEqual(download);
    // Valid for an hour (give or take the test's own minutes).
    const [, , , expiry] = new URL(link).searchParams.get('token')!.split('.');
    const lifetime = Number(expiry) - Date.now() / 1000;
    expect(lifetime).toBeGreaterThan(3000);
    expect(lifetime).toBeLessThanOrEqual(3600);
  });

  it('is 404 on its public CDN URLs', async () => {
    const { apiUrl } = inject('stack');
    const image = (await (await api(`/v1/images/${imageId}`)).json()) as {
      short_id: string;
      urls: { cdn: string | null; short: string | null };
    };
    expect(image.urls).toEqual({ cdn: null, short: null });
    for (const path of [
      `/cdn/i/${image.short_id}`,
      `/cdn/i/${image.short_id}/thumb`,
      `/cdn/bob/default/${NAME}`,
    ])
      expect((await fetch(`${apiUrl}${path}`)).status).toBe(404);
  });
});
