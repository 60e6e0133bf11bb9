import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiAs, SCREENSHOTS, brokenImages, openBrowser, signInAs, type Browser } from './browser';

const fixtures = resolve(import.meta.dirname, '../../api/test/fixtures');
let browser: Browser;
// Bob's, so alice's library (which other files count) is left alone.
const api = apiAs('bob');
const uploaded: string[] = [];
const albumsMade: string[] = [];

async function album(slug: string, visibility: string) {
  const response = await api('/v1/albums', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ slug, title: `${slug[0]!.toUpperCase()}${slug.slice(1)}`, visibility }),
  });
  expect(response.status).toBe(201);
  albumsMade.push(slug);
}

async function upload(name: string, fields: Record<string, string>) {
  const form = new FormData();
  form.set('file', new Blob([await readFile(resolve(fixtures, name))]), name);
  for (const [field, value] of Object.entries(fields)) form.set(field, value);
  const response = await api('/v1/upload?allow_duplicate=true', { method: 'POST', body: form });
  expect(response.status).toBe(201);
  uploaded.push(((await response.json()) as { id: string }).id);
}

beforeAll(async () => {
  browser = await openBrowser();
  await signInAs(browser, 'bob');
  await album('showcase', 'public');
  await album('later', 'unlisted');
  await upload('stripe.jpg', { album: 'showcase', alt: 'A striped test card' });
  await upload('photo-gps.jpg', { album: 'later', alt: 'Not listed yet' });
  await upload('tiny.png', { is_private: 'true', alt: 'Only mine' });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  for (const id of uploaded) await api(`/v1/images/${id}?permanent=true`, { method: 'DELETE' });
  for (const slug of albumsMade) await api(`/v1/albums/${slug}`, { method: 'DELETE' });
});

describe('the public profile', () => {
  it('is edited in Settings and opened from there: server-rendered, no script, every image loaded', async () => {
    const { page } = browser;
    await browser.visit('/settings');
    const form = page.getByTestId('profile-form');
    await form.getByLabel('Display name').fill('Bob Builder');
    await form.getByLabel('Bio').fill('Builds things, photographs them.');
    await form.getByLabel('GitHub user name').fill('bob-the-builder');
    await form.getByRole('button', { name: 'Save profile' }).click();
    await page.getByText('Profile saved.').waitFor();

    await page.getByTestId('public-profile-link').click();
    await page.waitForURL((url) => url.pathname === '/u/bob');
    await page.getByRole('heading', { name: 'Bob Builder' }).waitFor();
    expect(await page.evaluate(() => document.scripts.length)).toBe(0);
    expect(await page.getByRole('link', { name: 'GitHub: bob-the-builder' }).getAttribute('href')).toBe(
      'https://github.com/bob-the-builder',
    );
    // The public album is listed with its cover; the unlisted one and the private image are not.
    await page.getByRole('link', { name: 'Showcase' }).waitFor();
    expect(await page.getByText('Later').count()).toBe(0);
    const alts = await page
      .locator('img')
      .evaluateAll((images) => images.map((image) => image.getAttribute('alt')));
    expect(alts).toContain('A striped test card');
    expect(alts).not.toContain('Not listed yet');
    expect(alts).not.toContain('Only mine');
    expect(await brokenImages(page)).toEqual([]);
    if (process.env.UPDATE_SCREENSHOTS === '1') {
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, 'public-profile-light.png'), fullPage: true });
    }

    await page.getByRole('link', { name: 'Showcase' }).click();
    await page.waitForURL((url) => url.pathname === '/u/bob/showcase');
    await page.getByRole('heading', { name: 'Showcase' }).waitFor();
    expect(await brokenImages(page)).toEqual([]);
  });

  it('fits a 375 px phone screen without sideways scrolling', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 375, height: 800 });
    try {
      await page.goto('/u/bob');
      await page.getByRole('heading', { name: 'Bob Builder' }).waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      expect(await brokenImages(page)).toEqual([]);
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  it('serves an unlisted album to whoever has its link', async () => {
    const { page } = browser;
    await page.goto('/u/bob/later');
    await page.getByRole('heading', { name: 'Later' }).waitFor();
    expect(await page.locator('meta[name=robots]').getAttribute('content')).toBe('noindex');
    expect(await brokenImages(page)).toEqual([]);
  });
});
