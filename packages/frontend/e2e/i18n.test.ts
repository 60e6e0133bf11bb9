// The dashboard in other languages: the server picks the language (cookie, Accept-Language, the saved choice)
// and writes lang/dir into the HTML; the main pages in German, Arabic, Japanese and the pseudo-locale keep their
// text inside its boxes on a phone and a desktop. Runs for the languages whose message file exists (the
// pseudo-locale always does); with UPDATE_SCREENSHOTS=1 it saves each page in Arabic for the docs.
import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { LOCALE_COOKIE_NAME, localeDirection, type Locale } from '@pixelflare/config';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiAs, openBrowser, SCREENSHOTS, signInAs, textOverflows, type Browser } from './browser';

const messages = resolve(import.meta.dirname, '../../i18n/messages');
const fixtures = resolve(import.meta.dirname, '../../api/test/fixtures');
const present = (locale: Locale) => locale === 'en-XA' || existsSync(join(messages, `${locale}.json`));
const LOCALES = (['de', 'ar', 'ja', 'en-XA'] as const).filter(present);
const WIDTHS = [375, 1280];
const api = apiAs('bob');

let browser: Browser;
let imageId = '';

async function useLocale(locale: Locale | null) {
  const { context } = browser;
  await context.clearCookies({ name: LOCALE_COOKIE_NAME });
  if (locale)
    await context.addCookies([
      { name: LOCALE_COOKIE_NAME, value: locale, url: inject('stack').dashboardUrl },
    ]);
}

const htmlLocale = () =>
  browser.page.evaluate(() => ({ lang: document.documentElement.lang, dir: document.documentElement.dir }));

beforeAll(async () => {
  browser = await openBrowser();
  // bob's saved language would win over the cookie these tests set: start from "detect".
  await api('/v1/me', {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ locale: null }),
  });
  const form = new FormData();
  form.set('file', new Blob([await readFile(resolve(fixtures, 'stripe.jpg'))]), 'stripe.jpg');
  form.set('title', 'Dunes at noon');
  const response = await api('/v1/upload?allow_duplicate=true', { method: 'POST', body: form });
  expect(response.status).toBe(201);
  imageId = ((await response.json()) as { id: string }).id;
  await signInAs(browser, 'bob');
});
afterAll(async () => {
  await browser?.close();
  await api('/v1/me', {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ locale: null }),
  });
  if (imageId) await api(`/v1/images/${imageId}?permanent=true`, { method: 'DELETE' });
});

describe('the language of the page', () => {
  it('is in the server-rendered HTML: lang and dir from the cookie, else Accept-Language, else English', async () => {
    const { dashboardUrl } = inject('stack');
    const htmlOf = async (headers: Record<string, string>) => {
      const html = await (await fetch(`${dashboardUrl}/sign-in`, { headers })).text();
      return html.match(/<html lang="([^"]+)" dir="([^"]+)"/)?.slice(1);
    };
    expect(await htmlOf({})).toEqual(['en', 'ltr']);
    expect(await htmlOf({ cookie: `${LOCALE_COOKIE_NAME}=en-XA` })).toEqual(['en-XA', 'ltr']);
    expect(await htmlOf({ cookie: `${LOCALE_COOKIE_NAME}=xx` })).toEqual(['en', 'ltr']);
    expect(await htmlOf({ 'accept-language': 'sw-KE, sw;q=0.9' })).toEqual(['en', 'ltr']);
    for (const locale of LOCALES.filter((code) => code !== 'en-XA')) {
      expect(await htmlOf({ 'accept-language': `${locale}-XX, en;q=0.5` })).toEqual([
        locale,
        localeDirection(locale),
      ]);
      // The cookie beats Accept-Language.
      expect(await htmlOf({ 'accept-language': locale, cookie: `${LOCALE_COOKIE_NAME}=en-XA` })).toEqual([
        'en-XA',
        'ltr',
      ]);
    }
    // The words are in it too, not filled in after load: the pseudo-locale's accents are in the raw HTML.
    const pseudo = await (
      await fetch(`${dashboardUrl}/sign-in`, { headers: { cookie: `${LOCALE_COOKIE_NAME}=en-XA` } })
    ).text();
    expect(pseudo).toContain('[Šîĝñ îñ');
  });

  it('is chosen from the header, saved on the account and kept across pages', async () => {
    const { page } = browser;
    await useLocale(null);
    await browser.visit('/library');
    expect(await htmlLocale()).toEqual({ lang: 'en', dir: 'ltr' });
    await page.getByTestId('language-switcher').locator('summary').click();
    await Promise.all([page.waitForEvent('load'), page.getByTestId('language-en-XA').click()]);
    await page.locator('html[lang="en-XA"][data-hydrated]').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toMatch(/^\[Ļîƀŕåŕý/);
    const me = (await (await api('/v1/me')).json()) as { locale: string | null };
    expect(me.locale).toBe('en-XA');
    expect((await browser.context.cookies()).find((c) => c.name === LOCALE_COOKIE_NAME)?.value).toBe('en-XA');

    // A browser without the cookie (a new device) follows the saved language once it knows who is signed in.
    await useLocale(null);
    await browser.visit('/settings');
    await page.locator('html[lang="en-XA"][data-hydrated]').waitFor();

    // Settings sets it back to the browser's language (null on the account, no cookie).
    await page.getByTestId('profile-locale').waitFor();
    await Promise.all([page.waitForEvent('load'), page.getByTestId('profile-locale').selectOption('')]);
    await page.locator('html[lang="en"][data-hydrated]').waitFor();
    expect(((await (await api('/v1/me')).json()) as { locale: string | null }).locale).toBeNull();
    expect((await browser.context.cookies()).some((c) => c.name === LOCALE_COOKIE_NAME)).toBe(false);
  });
});

// The main pages, each in every language and width: lang/dir right, no text out of its box.
const PAGES = [
  { name: 'sign-in', path: () => '/sign-in', ready: '[data-testid^="dev-sign-in-"]' },
  { name: 'library', path: () => '/library', ready: '[data-testid="grid-item"]' },
  { name: 'image', path: () => `/images/${imageId}`, ready: '[data-testid="image-title"]' },
  { name: 'upload', path: () => '/upload', ready: '.uppy-Dashboard' },
  { name: 'settings', path: () => '/settings', ready: '[data-testid="profile-form"]' },
];

describe.each(LOCALES)('in %s', (locale) => {
  beforeAll(() => useLocale(locale));

  for (const width of WIDTHS)
    it(`keeps the text of every main page inside its box at ${width} px`, async () => {
      const { page } = browser;
      await page.setViewportSize({ width, height: 900 });
      const overflows: string[] = [];
      for (const { name, path, ready } of PAGES) {
        await browser.visit(path());
        await page.locator(ready).first().waitFor();
        expect(await htmlLocale()).toEqual({ lang: locale, dir: localeDirection(locale) });
        if (name === 'upload' && localeDirection(locale) === 'rtl')
          // Uppy sets the direction on its root element (UIPlugin.mount), around .uppy-Dashboard.
          expect(await page.locator('.uppy-Root').first().getAttribute('dir')).toBe('rtl');
        overflows.push(...(await textOverflows(page)).map((problem) => `${name}: ${problem}`));
        if (locale === 'ar' && process.env.UPDATE_SCREENSHOTS === '1') {
          mkdirSync(SCREENSHOTS, { recursive: true });
          await page.screenshot({
            path: join(SCREENSHOTS, `i18n-ar-${name}-${width}.png`),
            fullPage: true,
            animations: 'disabled',
          });
        }
      }
      expect(overflows).toEqual([]);
    });
});
