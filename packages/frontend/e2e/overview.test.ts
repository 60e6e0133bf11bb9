import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openBrowser, type Browser } from './browser';

let browser: Browser;
beforeAll(async () => {
  browser = await openBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('overview', () => {
  it('shows the API as up and the usage against quota', async () => {
    const { page } = browser;
    await browser.visit('/');
    await page.getByText(/API is up/).waitFor();
    await page.getByTestId('usage').waitFor({ timeout: 10_000 });
    const { apiUrl, apiKeys } = inject('stack');
    const usage = (await fetch(`${apiUrl}/v1/usage`, {
      headers: { authorization: `Bearer ${apiKeys.alice}` },
    }).then((response) => response.json())) as { images: { used: number; limit: number } };
    const shown = (await page.getByTestId('usage').textContent())?.replace(/\s+/g, ' ');
    expect(shown).toContain(`Images ${usage.images.used} of ${usage.images.limit}`);
    // This month's CDN bandwidth beside it, with the plan's limit (or none), and the transforms computed.
    expect(await page.getByTestId('usage-bandwidth').textContent()).toMatch(/Bandwidth this month/);
    expect(await page.getByTestId('usage-details').textContent()).toMatch(
      /Transforms computed this month: \d+/,
    );
    await browser.screenshots('overview');
  });

  it('signs in locally with one click as bob, then back as alice', async () => {
    const { page } = browser;
    const who = () =>
      page.evaluate(() => fetch('/auth/session').then((r) => r.json())) as Promise<{
        user: { slug: string };
      }>;
    await browser.visit('/sign-in');
    await page.getByTestId('dev-sign-in-bob').click();
    await page.waitForURL((url) => url.pathname === '/');
    await page.getByTestId('usage').waitFor();
    expect((await who()).user.slug).toBe('bob');
    expect(await page.getByTestId('signed-in-as').textContent()).toBe('bob');
    await browser.visit('/sign-in');
    await page.getByTestId('dev-sign-in-alice').click();
    await page.waitForURL((url) => url.pathname === '/');
    expect((await who()).user.slug).toBe('alice');
  });

  it('fits a 375 px wide screen behind a menu button', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 375, height: 800 });
    await browser.visit('/');
    expect(await page.getByRole('link', { name: 'Library', exact: true }).isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('link', { name: 'Library', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/library');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 900 });
  });
});
