import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openBrowser, type Browser } from './browser';

let browser: Browser;
beforeAll(async () => {
  browser = await openBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('the API reference (/v1/docs)', () => {
  it('shows the operations offline: every request stays on the API host and the CSP blocks nothing', async () => {
    const { context, page } = browser;
    const { apiUrl } = inject('stack');
    const origin = new URL(apiUrl).origin;
    // As on a machine without internet: anything for another host is recorded and refused.
    const elsewhere: string[] = [];
    await context.route(
      (url) => url.protocol.startsWith('http') && url.origin !== origin,
      (route) => {
        elsewhere.push(route.request().url());
        return route.abort('internetdisconnected');
      },
    );
    const blocked: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) blocked.push(message.text());
    });
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    let shown = true;
    let csp = '';
    try {
      const response = await page.goto(`${apiUrl}/v1/docs`);
      csp = response?.headers()['content-security-policy'] ?? '';
      // The reference lists its tags in the sidebar; opening one shows its operations.
      await page.getByText('Images', { exact: true }).first().click({ timeout: 30_000 });
      await page.getByText('List images', { exact: true }).first().waitFor();
      await page.waitForLoadState('networkidle');
    } catch (error) {
      // A page that asked another host for Scalar shows nothing; say which host first.
      shown = false;
      console.error(error);
    } finally {
      await context.unrouteAll();
    }
    expect(elsewhere).toEqual([]);
    expect(requested.filter((url) => /^https?:/.test(url) && new URL(url).origin !== origin)).toEqual([]);
    expect(requested).toContain(`${origin}/v1/docs/assets/standalone.esm.js`);
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toMatch(/https?:/);
    expect(blocked).toEqual([]);
    expect(shown).toBe(true);
  });
});
