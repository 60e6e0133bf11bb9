import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { labelsNotAbove, openBrowser, type Browser } from './browser';

let browser: Browser;
const uploaded: string[] = [];
beforeAll(async () => {
  browser = await openBrowser();
  // Two images of our own, through the API with alice's key (the upload page has its own test).
  const { apiUrl, apiKeys } = inject('stack');
  for (const name of ['tiny.gif', 'tiny.webp']) {
    const form = new FormData();
    const bytes = await import('node:fs/promises').then((fs) =>
      fs.readFile(resolve(import.meta.dirname, '../../api/test/fixtures', name)),
    );
    form.set('file', new Blob([bytes]), name);
    const response = await fetch(`${apiUrl}/v1/upload?allow_duplicate=true`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKeys.alice}` },
      body: form,
    });
    expect(response.status).toBe(201);
    uploaded.push(((await response.json()) as { id: string }).id);
  }
});
afterAll(async () => {
  await browser?.close();
  // The files share one stack in no fixed order: leave the library as it was (images.test counts its grid).
  const { apiUrl, apiKeys } = inject('stack');
  const headers = { authorization: `Bearer ${apiKeys.alice}` };
  for (const id of uploaded)
    await fetch(`${apiUrl}/v1/images/${id}?permanent=true`, { method: 'DELETE', headers });
  await fetch(`${apiUrl}/v1/albums/summer-trip`, { method: 'DELETE', headers });
});

describe('organising', () => {
  it('creates an album and moves selected images into it', async () => {
    const { page } = browser;
    await browser.visit('/albums');
    await page.getByTestId('album-title').fill('Summer trip');
    await page.getByRole('button', { name: 'Create album' }).click();
    await page.getByTestId('album-item').filter({ hasText: 'Summer trip' }).waitFor();
    await browser.screenshots('albums');

    await browser.visit('/library');
    await page.getByRole('checkbox', { name: /Select tiny\.gif/ }).check();
    await page.getByRole('checkbox', { name: /Select tiny\.webp/ }).check();
    await page.getByLabel('Album to move to').selectOption('summer-trip');
    await page.getByRole('button', { name: 'Move', exact: true }).click();
    await page.getByText('2 updated.').waitFor();

    await browser.visit('/library?album=summer-trip');
    await page.getByTestId('grid-item').nth(1).waitFor();
    expect(await page.getByTestId('grid-item').count()).toBe(2);
  });

  it('tags selected images in bulk and lists the tag with its count', async () => {
    const { page } = browser;
    await page.getByRole('checkbox', { name: /Select tiny\.gif/ }).check();
    await page.getByRole('checkbox', { name: /Select tiny\.webp/ }).check();
    await page.getByLabel('Tag to add').fill('beach');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await page.getByText('2 updated.').waitFor();
    await browser.visit('/tags');
    await page.getByTestId('tag-item').filter({ hasText: 'beach' }).waitFor();
    expect(
      (await page.getByTestId('tag-item').filter({ hasText: 'beach' }).textContent())?.replace(/\s+/g, ' '),
    ).toContain('beach 2');
    await browser.screenshots('tags');
  });

  it('puts every label above its field on the library, albums and image pages, and fits 375 px', async () => {
    const { page } = browser;
    await browser.visit('/library');
    const imagePath = await page.getByTestId('grid-item').first().locator('a').getAttribute('href');
    await page.setViewportSize({ width: 375, height: 800 });
    try {
      for (const path of ['/library', '/albums', imagePath!]) {
        await browser.visit(path);
        await page.locator('form').first().waitFor();
        const { checked, misplaced } = await labelsNotAbove(page);
        expect({ path, misplaced }).toEqual({ path, misplaced: [] });
        expect(checked).toBeGreaterThanOrEqual(3);
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });
});
