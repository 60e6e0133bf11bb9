// Bot protection in the dashboard: Turnstile on (TURNSTILE_SITE_KEY/SECRET_KEY) for sign-in, API-key creation and
// tus uploads, against the siteverify stand-in. Cloudflare's widget script cannot load offline, so the API's
// TURNSTILE_SCRIPT_URL (development and tests only) points the dashboard at the stand-in's widget (/widget.js),
// which mints real stand-in tokens for the page's hostname and the widget's action; the dashboard's code path is
// the production one. AUTH_MODE=authjs with a real OpenID provider, so this file starts a stack of its own.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OIDC_CLIENT, startOidcProvider, type RunningProvider } from '../../api/test/oidc-provider';
import {
  startTurnstileStandIn,
  TURNSTILE_TEST_SECRET,
  TURNSTILE_TEST_SITE_KEY,
  type TurnstileStandIn,
} from '../../api/test/global-setup-turnstile';
import { openBrowser, type Browser } from './browser';
import { freePort, startStack, type RunningStack } from './stack';

let provider: RunningProvider | undefined;
let turnstile: TurnstileStandIn | undefined;
let stack: RunningStack | undefined;
let browser: Browser;

beforeAll(async () => {
  const apiPort = await freePort();
  provider = await startOidcProvider({
    port: 0,
    redirectUris: [`http://localhost:${apiPort}/auth/callback/oidc`],
  });
  turnstile = await startTurnstileStandIn();
  stack = await startStack({
    host: 'localhost',
    apiPort,
    seed: false,
    vars: {
      AUTH_MODE: 'authjs',
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: OIDC_CLIENT.id,
      OIDC_CLIENT_SECRET: OIDC_CLIENT.secret,
      TURNSTILE_SITE_KEY: TURNSTILE_TEST_SITE_KEY,
      TURNSTILE_SECRET_KEY: TURNSTILE_TEST_SECRET,
      TURNSTILE_VERIFY_URL: `${turnstile.origin}/turnstile/v0/siteverify`,
      TURNSTILE_SCRIPT_URL: `${turnstile.origin}/widget.js`,
    },
  });
  browser = await openBrowser(stack.dashboardUrl);
}, 240_000);
afterAll(async () => {
  await browser?.close();
  stack?.stop();
  await provider?.close();
  await turnstile?.close();
});

/** What the API sent siteverify, in order: the tokens it was shown. */
async function verified(): Promise<string[]> {
  const answer = await fetch(`${turnstile!.origin}/requests`);
  return ((await answer.json()) as { requests: { response: string }[] }).requests.map((r) => r.response);
}

describe('Turnstile in the dashboard (widget stand-in, siteverify stand-in)', () => {
  it('guards sign-in: a refused token comes back to /sign-in with words, a solved one signs in', async () => {
    const { page } = browser;
    await browser.visit('/sign-in');
    // The widget's script is the one /auth/providers named, and the widget was drawn for the sign-in step.
    const script = page.locator('script[data-testid="turnstile-script"]');
    expect(await script.getAttribute('src')).toBe(`${turnstile!.origin}/widget.js`);
    const widget = page.getByTestId('turnstile-stand-in');
    await widget.waitFor({ timeout: 90_000 });
    expect(await widget.getAttribute('data-action')).toBe('sign-in');
    expect(await widget.getAttribute('data-sitekey')).toBe(TURNSTILE_TEST_SITE_KEY);
    const button = page.getByTestId('sign-in-oidc');
    await expect.poll(() => button.isEnabled(), { timeout: 30_000 }).toBe(true);

    // A bot's forged token, swapped into the post on its way: the API sends the browser back with a reason.
    await page.route('**/auth/signin/oidc', async (route) => {
      const form = new URLSearchParams(route.request().postData() ?? '');
      expect(form.get('cf-turnstile-response')).toMatch(/^standin\./);
      form.set('cf-turnstile-response', 'standin.forged');
      await route.continue({ postData: form.toString() });
    });
    await button.click();
    await page.waitForURL((url) => url.pathname === '/sign-in' && url.search === '?error=TurnstileFailed');
    await page.unrouteAll();
    expect(await page.getByTestId('sign-in-error').textContent()).toContain('The bot check did not pass');
    expect(await verified()).toContain('standin.forged');

    // The page drew a fresh widget; its token signs in through the provider and back.
    await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
    await expect.poll(() => button.isEnabled(), { timeout: 30_000 }).toBe(true);
    await button.click();
    await page.waitForURL((url) => url.origin === stack!.dashboardUrl && url.pathname === '/');
    await page.getByTestId('signed-in-as').waitFor();
  }, 180_000);

  it('guards API-key creation: the form sends a token and the key is made', async () => {
    const { page } = browser;
    const before = (await verified()).length;
    await browser.visit('/settings');
    const widget = page.locator('#keys').getByTestId('turnstile-stand-in');
    await widget.waitFor({ timeout: 90_000 });
    expect(await widget.getAttribute('data-action')).toBe('api-key');
    await page.getByTestId('key-name').fill('Behind Turnstile');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = await page.getByTestId('key-secret').inputValue();
    expect(secret.length).toBeGreaterThan(20);
    expect((await verified()).length).toBe(before + 1);
  }, 180_000);

  // The upload page's first visit makes vite optimise Uppy (and reload the page) on a cold dev server: a slow page.
  it('guards tus uploads: each file takes its own token (CF-Turnstile-Response on the creation)', async () => {
    const { page } = browser;
    const before = (await verified()).length;
    await browser.visit('/upload');
    const widget = page.getByTestId('turnstile-stand-in');
    await widget.waitFor({ timeout: 90_000 });
    expect(await widget.getAttribute('data-action')).toBe('upload');
    const fixtures = resolve(import.meta.dirname, '../../api/test/fixtures');
    await page
      .locator('.uppy-Dashboard-input')
      .first()
      .setInputFiles([resolve(fixtures, 'tiny.png'), resolve(fixtures, 'source-2x2.jpg')]);
    await page.locator('.uppy-StatusBar-actionBtn--upload').click();
    await page.locator('[data-testid="upload-row"][data-state="done"]').nth(1).waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-state="refused"]').count()).toBe(0);
    const tokens = (await verified()).slice(before);
    expect(tokens).toHaveLength(2);
    expect(new Set(tokens).size).toBe(2);
  }, 240_000);
});
