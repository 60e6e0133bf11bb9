import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openBrowser, type Browser } from './browser';

let browser: Browser;
beforeAll(async () => {
  browser = await openBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('settings: API keys', () => {
  it('creates a key shown once, which works from outside the browser until it is revoked', async () => {
    const { page } = browser;
    const { apiUrl } = inject('stack');
    await browser.visit('/settings');
    await page.getByTestId('key-name').fill('Build server');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = await page.getByTestId('key-secret').inputValue();
    expect(secret.length).toBeGreaterThan(20);
    await page.getByTestId('key-row').filter({ hasText: 'Build server' }).waitFor();
    await browser.screenshots('settings');

    const listWith = (key: string) =>
      fetch(`${apiUrl}/v1/images`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);
    expect(await listWith(secret)).toBe(200);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Revoke Build server' }).click();
    await page.getByTestId('key-row').filter({ hasText: 'Build server' }).waitFor({ state: 'detached' });
    expect(await listWith(secret)).toBe(401);
  });
});
