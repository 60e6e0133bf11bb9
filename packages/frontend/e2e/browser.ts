// Debian's Chromium driven by playwright-core, with a fresh profile per test file.
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { inject } from 'vitest';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = resolve(import.meta.dirname, '../../docs/public/screenshots');

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
  /** Opens a dashboard path and waits until the app is interactive (server-rendered HTML is not yet). */
  visit(path: string): Promise<void>;
  /**
   * With UPDATE_SCREENSHOTS=1, saves `<name>-light.png` and `<name>-dark.png` of the current page (or of one part
   * of it, such as a settings section) for the docs.
   */
  screenshots(name: string, part?: Locator): Promise<void>;
}

/** `dashboardUrl` defaults to the shared stack's; a test with a stack of its own passes that one's. */
export async function openBrowser(dashboardUrl = inject('stack').dashboardUrl): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'pixelflare-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    baseURL: dashboardUrl,
    viewport: { width: 1280, height: 900 },
    permissions: ['clipboard-read', 'clipboard-write'],
    // prettier-ignore
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
    async visit(path: string) {
      await page.goto(path);
      const hydrated = page.locator('html[data-hydrated]');
      try {
        await hydrated.waitFor({ state: 'attached', timeout: 15_000 });
      } catch {
        // On a fresh clone Vite may re-bundle dependencies mid-load, leaving that one page without its scripts;
        // a reload gets the new bundle. A second failure is a real one.
        await page.reload();
        await hydrated.waitFor({ state: 'attached' });
      }
    },
    async screenshots(name: string, part?: Locator) {
      // The committed docs screenshots change only on request, so a test run leaves the tree clean.
      if (process.env.UPDATE_SCREENSHOTS !== '1') return;
      mkdirSync(SCREENSHOTS, { recursive: true });
      for (const theme of ['cupcake', 'dark'] as const) {
        await page.evaluate((value) => (document.documentElement.dataset.theme = value), theme);
        const path = join(SCREENSHOTS, `${name}-${theme === 'dark' ? 'dark' : 'light'}.png`);
        await (part ? part.screenshot({ path }) : page.screenshot({ path, fullPage: true }));
      }
      await page.evaluate(() => (document.documentElement.dataset.theme = 'cupcake'));
    },
  };
}
