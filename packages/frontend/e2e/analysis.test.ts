import { textImage } from '@pixelflare/ai-local/text-image';
import type { ImageAnalysis, ImageResource } from '@pixelflare/shared';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { apiAs, openBrowser, type Browser } from './browser';

const alice = apiAs('alice');
let browser: Browser;
let image: ImageResource;

beforeAll(async () => {
  browser = await openBrowser();
  const form = new FormData();
  form.set('file', new File([textImage('Harbour Ferry Timetable')], 'timetable.png'));
  const uploaded = await alice('/v1/upload', { method: 'POST', body: form });
  expect(uploaded.status).toBe(201);
  image = (await uploaded.json()) as ImageResource;
  // The analysis runs in the background through the stack's local AI engine.
  await vi.waitFor(
    async () => {
      const analysis = (await (await alice(`/v1/images/${image.id}/analysis`)).json()) as ImageAnalysis;
      expect(analysis.status).toBe('done');
    },
    { timeout: 60_000, interval: 500 },
  );
});
afterAll(async () => {
  await browser?.close();
});

describe('image understanding in the dashboard', () => {
  it('the library shows the placeholder colour behind the thumbnail and filters by colour', async () => {
    const { page } = browser;
    await browser.visit('/library');
    const card = page.getByTestId('grid-item').filter({ has: page.locator(`a[href="/images/${image.id}"]`) });
    await card.waitFor();
    // The browser writes the colour back as rgb(): the dominant colour of white paper with black text is near white.
    const style = (await card.getAttribute('style')) ?? '';
    const [r, g, b] = (/background-color: rgb\((\d+), (\d+), (\d+)\)/.exec(style) ?? []).slice(1).map(Number);
    expect(Math.min(r!, g!, b!)).toBeGreaterThan(240);
    expect(style).toMatch(/background-image: url\("data:image\/png;base64,/);
    await page.getByTestId('color-filter').selectOption('white');
    await expect.poll(() => card.count()).toBe(1);
    await page.getByTestId('color-filter').selectOption('red');
    await expect.poll(() => card.count()).toBe(0);
  });

  it('the image page shows the text found and a suggested alt text, which one click makes the alt', async () => {
    const { page } = browser;
    await browser.visit(`/images/${image.id}`);
    await page.getByTestId('analysis-text').waitFor();
    expect((await page.getByTestId('analysis-text').textContent())?.trim()).toBe('Harbour Ferry Timetable');
    expect(await page.getByTestId('analysis-caption').textContent()).toBe('Text: “Harbour Ferry Timetable”');
    await page.getByText('Composed from the labels and text found').waitFor();
    await page.getByTestId('accept-alt').click();
    await page.getByText('Alt text saved.').waitFor();
    const saved = (await (await alice(`/v1/images/${image.id}`)).json()) as ImageResource;
    expect(saved.alt).toBe('Text: “Harbour Ferry Timetable”');
    expect(await page.locator('input[name="alt"]').inputValue()).toBe(saved.alt);
    await browser.screenshots('image-analysis');
  });

  it('the library search box finds a word only inside the picture, and says how it ranked', async () => {
    const { page } = browser;
    await browser.visit('/library');
    await page.getByTestId('grid-item').first().waitFor();
    await page.getByTestId('search').fill('ferry');
    await page.getByTestId('search').press('Enter');
    await page.getByTestId('search-mode').waitFor();
    expect(await page.getByTestId('search-mode').textContent()).toContain(
      'by words and by meaning (the local engine)',
    );
    await expect.poll(() => page.getByTestId('grid-item').count()).toBeGreaterThanOrEqual(1);
    const first = page.getByTestId('grid-item').first().locator('a');
    expect(await first.getAttribute('href')).toBe(`/images/${image.id}`);
  });

  it('the image page shows more like this: the nearest of her other images', async () => {
    const form = new FormData();
    form.set('file', new File([textImage('Harbour Ferry Schedule Winter')], 'schedule.png'));
    const uploaded = (await (
      await alice('/v1/upload', { method: 'POST', body: form })
    ).json()) as ImageResource;
    await vi.waitFor(
      async () => {
        const analysis = (await (await alice(`/v1/images/${uploaded.id}/analysis`)).json()) as ImageAnalysis;
        expect(analysis.embedding.index).toBe('use-lite-512');
      },
      { timeout: 60_000, interval: 500 },
    );
    const { page } = browser;
    await browser.visit(`/images/${image.id}`);
    await page.getByTestId('similar-item').first().waitFor();
    const links = await page
      .getByTestId('similar-item')
      .locator('a')
      .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(links).toContain(`/images/${uploaded.id}`);
    expect(links).not.toContain(`/images/${image.id}`);
  });

  it('Settings turns analysis off for the account, and back on', async () => {
    const { page } = browser;
    await browser.visit('/settings');
    const toggle = page.getByTestId('ai-analysis-toggle');
    await toggle.waitFor();
    expect(await toggle.isChecked()).toBe(true);
    await toggle.uncheck();
    await page.getByText('New uploads will not be analysed').waitFor();
    expect(((await (await alice('/v1/me')).json()) as { ai_analysis: boolean }).ai_analysis).toBe(false);
    await toggle.check();
    await page.getByText('New uploads will be analysed.').waitFor();
    // The backfill of earlier images is one click (queued in the background).
    await page.getByTestId('analysis-backfill').click();
    await page.getByText('Queued: your images that were not analysed yet').waitFor();
  });
});
