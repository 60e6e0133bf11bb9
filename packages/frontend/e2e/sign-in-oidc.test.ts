// Real sign-in through the dashboard: AUTH_MODE=authjs against a real OpenID provider (oidc-provider on loopback).
// The shared stack runs AUTH_MODE=none, so this file starts a small stack of its own.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageResource } from '@pixelflare/shared';
import { OIDC_CLIENT, startOidcProvider, type RunningProvider } from '../../api/test/oidc-provider';
import { openBrowser, type Browser } from './browser';
import { freePort, startStack, type RunningStack } from './stack';

let provider: RunningProvider | undefined;
let stack: RunningStack | undefined;
let browser: Browser;

beforeAll(async () => {
  const apiPort = await freePort();
  // Auth.js builds its redirect URI from PUBLIC_API_URL, so the provider is told exactly that one.
  provider = await startOidcProvider({
    port: 0,
    redirectUris: [`http://localhost:${apiPort}/auth/callback/oidc`],
  });
  stack = await startStack({
    // localhost, not 127.0.0.1: the sign-in cookies set through the dashboard's proxy must reach the callback.
    host: 'localhost',
    apiPort,
    seed: false,
    vars: {
      AUTH_MODE: 'authjs',
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: OIDC_CLIENT.id,
      OIDC_CLIENT_SECRET: OIDC_CLIENT.secret,
      OIDC_PROVIDER_NAME: 'Example ID',
    },
  });
  browser = await openBrowser(stack.dashboardUrl);
});
afterAll(async () => {
  await browser?.close();
  stack?.stop();
  await provider?.close();
});

interface SessionAnswer {
  authenticated: boolean;
  via: string | null;
  user: { slug: string } | null;
}
const session = () =>
  browser.page.evaluate(() => fetch('/auth/session').then((r) => r.json())) as Promise<SessionAnswer>;

describe('sign-in through an OpenID Connect provider', () => {
  it('signs in from the provider button, uses the library as that user, and signs out', async () => {
    const { page } = browser;
    await browser.visit('/sign-in');
    await page.getByTestId('sign-in-link').waitFor();
    expect(await session()).toMatchObject({ authenticated: false, user: null });

    // The button waits for Auth.js's CSRF token before it can be pressed.
    const button = page.getByTestId('sign-in-oidc');
    await expect.poll(() => button.isEnabled()).toBe(true);
    expect(await button.textContent()).toBe('Sign in with Example ID');
    await button.click();
    // Dashboard → Auth.js → the provider (which signs jane in and consents) → the API's callback → dashboard.
    await page.waitForURL((url) => url.origin === stack!.dashboardUrl && url.pathname === '/');
    await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
    await page.getByTestId('usage').waitFor();
    expect(await page.getByTestId('signed-in-as').textContent()).toBe('jane-doe');
    expect(await session()).toMatchObject({
      authenticated: true,
      via: 'session',
      user: { slug: 'jane-doe' },
    });

    // An image uploaded with the session cookie alone is jane's, and her library lists it.
    const png = readFileSync(resolve(import.meta.dirname, '../../api/test/fixtures/tiny.png')).toString(
      'base64',
    );
    const uploaded = await page.evaluate(async (base64) => {
      const form = new FormData();
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      form.append('file', new Blob([bytes], { type: 'image/png' }), 'tiny.png');
      const response = await fetch('/v1/upload', { method: 'POST', body: form });
      return { status: response.status, body: (await response.json()) as ImageResource };
    }, png);
    expect(uploaded.status).toBe(201);
    expect(uploaded.body.urls.cdn).toContain('/cdn/jane-doe/');
    await browser.visit('/library');
    await page.getByTestId('grid-item').first().waitFor();
    expect(await page.getByTestId('grid-item').count()).toBe(1);
    expect(await page.getByTestId('grid-item').locator('a').first().getAttribute('href')).toBe(
      `/images/${uploaded.body.id}`,
    );

    await page.getByTestId('signed-in-as').click();
    await page.getByTestId('sign-out').click();
    await page.waitForURL((url) => url.pathname === '/sign-in');
    await page.getByTestId('sign-in-link').waitFor();
    expect(await session()).toMatchObject({ authenticated: false, user: null });
    // Signed out, the library is refused and offers sign-in again.
    await browser.visit('/library');
    await page.getByTestId('error').getByRole('link', { name: 'Sign in' }).waitFor();
    expect(await page.getByTestId('grid-item').count()).toBe(0);
  });
});
