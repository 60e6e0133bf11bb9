import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openBrowser, type Browser } from './browser';

const fixtures = resolve(import.meta.dirname, '../../api/test/fixtures');
const { apiUrl, apiKeys } = inject('stack');
const api = (path: string, init: RequestInit = {}) =>
  fetch(`${apiUrl}${path}`, {
    ...init,
    headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${apiKeys.alice}` },
  });

let browser: Browser;
let image: { id: string; short_id: string };

beforeAll(async () => {
  browser = await openBrowser();
  const form = new FormData();
  form.set('file', new Blob([await readFile(resolve(fixtures, 'stripe.jpg'))]), 'analytics-stripe.jpg');
  const response = await api('/v1/upload?allow_duplicate=true', { method: 'POST', body: form });
  expect(response.status).toBe(201);
  image = (await response.json()) as { id: string; short_id: string };
  // Traffic: the original five times (a miss, then Cache API hits) from a referring page.
  for (let i = 0; i < 5; i++) {
    const served = await fetch(`${apiUrl}/cdn/i/${image.short_id}`, {
      headers: { referer: 'https://blog.example.com/post' },
    });
    expect(served.status).toBe(200);
    await served.arrayBuffer();
  }
});
afterAll(async () => {
  await browser?.close();
  await api(`/v1/images/${image.id}?permanent=true`, { method: 'DELETE' });
});

/** How many pixels of a chart's canvas are painted (uPlot draws on a canvas). */
const paintedPixels = (testid: string) =>
  browser.page.evaluate((id) => {
    const canvas = document.querySelector<HTMLCanvasElement>(`[data-testid="${id}"] canvas`);
    const context = canvas?.getContext('2d');
    if (!canvas || !context) return 0;
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
    return painted;
  }, testid);

describe('analytics page', () => {
  it('shows the traffic in charts, totals, top images and referrers after CDN requests', async () => {
    const { page } = browser;
    // The CDN counts each answer just after it (waitUntil): wait for the API to see all five.
    await expect
      .poll(
        async () => {
          const summary = (await (await api('/v1/analytics/summary')).json()) as { requests: number };
          return summary.requests;
        },
        { timeout: 20_000 },
      )
      .toBeGreaterThanOrEqual(5);
    await browser.visit('/analytics');
    // Five API calls on a loaded machine: wait for the totals, then for the chart's canvas.
    await page
      .getByTestId('analytics-totals')
      .waitFor({ timeout: 30_000 })
      .catch(async (error: unknown) => {
        throw new Error(`no totals; the page says: ${await page.locator('main').innerText()}`, {
          cause: error,
        });
      });
    await page
      .getByTestId('chart-requests')
      .locator('canvas')
      .first()
      .waitFor({ state: 'attached', timeout: 30_000 });
    expect(await page.getByTestId('analytics-empty').count()).toBe(0);
    for (const chart of ['chart-requests', 'chart-bandwidth', 'chart-hit-ratio', 'chart-hourly'])
      expect(await paintedPixels(chart), chart).toBeGreaterThan(100);
    expect(await page.getByTestId('top-images').textContent()).toContain('analytics-stripe.jpg');
    expect(await page.getByTestId('referrers').textContent()).toContain('blog.example.com');
    expect(await page.getByTestId('analytics-sink').textContent()).toContain('ANALYTICS_SINK=d1');
    await browser.screenshots('analytics');
  });

  it('has a nav link, and a panel on the image page', async () => {
    const { page } = browser;
    await browser.visit('/');
    await page.getByRole('link', { name: 'Analytics', exact: true }).first().click();
    await page.waitForURL((url) => url.pathname === '/analytics');
    await browser.visit(`/images/${image.id}`);
    await page
      .getByTestId('image-analytics')
      .getByText(/requests?,/)
      .waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('image-analytics').locator('canvas').count()).toBeGreaterThan(0);
  });
});
