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
      // Thumbnails are made on first request and may take a few seconds; a screenshot of empty tiles shows
      // nothing. Lazy images below the fold never load, so only those in view are waited for.
      await page
        .waitForFunction(
          () =>
            [...document.images].every(
              (image) => image.complete || image.getBoundingClientRect().top > window.innerHeight,
            ),
          undefined,
          { timeout: 15_000 },
        )
        .catch(() => undefined);
      for (const theme of ['cupcake', 'dark'] as const) {
        await page.evaluate((value) => (document.documentElement.dataset.theme = value), theme);
        const path = join(SCREENSHOTS, `${name}-${theme === 'dark' ? 'dark' : 'light'}.png`);
        // Theme colours transition; a capture mid-way shows a faded page, so transitions are finished first.
        const options = { path, animations: 'disabled' } as const;
        await (part ? part.screenshot(options) : page.screenshot({ ...options, fullPage: true }));
      }
      await page.evaluate(() => (document.documentElement.dataset.theme = 'cupcake'));
    },
  };
}

/**
 * The text of every form label on the page that is not above its control: a label should start at the control's
 * left edge, a line above it (daisyUI 5 dropped the classes that did this, which left labels beside their
 * fields). Checkboxes keep their label beside them; controls named by `aria-label` have no label to place.
 */
export function labelsNotAbove(page: Page): Promise<{ checked: number; misplaced: string[] }> {
  return page.evaluate(() => {
    const controls = [
      ...document.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>(
        'input:not([type=checkbox]):not([type=radio]):not([type=hidden]), select, textarea',
      ),
    ].filter((control) => control.labels && control.labels.length > 0 && control.checkVisibility());
    const misplaced = controls.flatMap((control) => {
      const label = control.labels![0]!;
      const [text, box] = [label.getBoundingClientRect(), control.getBoundingClientRect()];
      if (Math.abs(box.left - text.left) < 2 && box.top - text.top >= 12) return [];
      // A wrapping label's text includes a select's options; only the label's own words name it.
      return [(label.textContent ?? '').replace(control.textContent ?? '', '').trim()];
    });
    return { checked: controls.length, misplaced };
  });
}

/**
 * The images on the page that did not load (each by its URL), once every image has settled: all complete and
 * none broken, or 30 s gone by. A thumbnail that failed is asked for again by the dashboard (`retryOnError`), so
 * one that is broken for a moment is not counted; one still broken after 30 s is. Lazy images are made eager
 * first, so every image on the page is checked, not only those in view.
 */
export async function brokenImages(page: Page): Promise<string[]> {
  await page.evaluate(async () => {
    for (const image of document.images) image.loading = 'eager';
  });
  // Every image finished (loaded or failed), read in one task: read in a second call, an image added in between
  // (a grid rendering the rows it scrolled to) would count as broken while still loading.
  await page.waitForFunction(() => [...document.images].every((image) => image.complete), undefined, {
    timeout: 30_000,
  });
  // Then the failed ones have their retries to load.
  await page
    .waitForFunction(() => [...document.images].every((image) => image.naturalWidth > 0), undefined, {
      timeout: 30_000,
    })
    .catch(() => undefined);
  return page.evaluate(() =>
    [...document.images]
      .filter((image) => image.complete && image.naturalWidth === 0)
      .map((image) => image.currentSrc || image.src),
  );
}

/** `fetch` on the shared stack's API as one of its seeded users (with that user's API key). */
export function apiAs(user: 'alice' | 'bob') {
  return (path: string, init: RequestInit = {}) => {
    const { apiUrl, apiKeys } = inject('stack');
    return fetch(`${apiUrl}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${apiKeys[user]}`, ...init.headers },
    });
  };
}

/** Signs the browser in as one of the seeded local users (AUTH_MODE=none's dev sign-in). */
export async function signInAs(browser: Browser, user: 'alice' | 'bob'): Promise<void> {
  await browser.visit('/sign-in');
  await browser.page.getByTestId(`dev-sign-in-${user}`).click();
  await browser.page.waitForURL((url) => url.pathname === '/');
}

/**
 * Text that does not fit its box, for checking longer languages: the page scrolling sideways; an element whose
 * own text is wider than the element (scrollWidth over clientWidth); an element sticking out of the window.
 * Boxes that cut text on purpose (`truncate`, user data such as file names), scrolling containers (wide tables)
 * and screen-reader-only text are left out. Each problem names the element and its text.
 */
export function textOverflows(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const width = document.documentElement.clientWidth;
    const scrolls = (element: Element) => {
      for (let at = element.parentElement; at && at !== document.body; at = at.parentElement) {
        const { overflowX } = getComputedStyle(at);
        if (overflowX === 'auto' || overflowX === 'scroll') return true;
      }
      return false;
    };
    if (document.documentElement.scrollWidth > width + 1) {
      problems.push(`the page scrolls sideways (${document.documentElement.scrollWidth} px > ${width} px)`);
      // Name the outermost boxes that reach past the window (text or not), to say what to fix.
      for (const element of document.querySelectorAll<HTMLElement>('body *')) {
        const box = element.getBoundingClientRect();
        const parent = element.parentElement?.getBoundingClientRect();
        if (
          box.right > width + 1 &&
          parent &&
          parent.right <= width + 1 &&
          element.checkVisibility() &&
          !scrolls(element)
        )
          problems.push(
            `  <${element.tagName.toLowerCase()} class="${element.className}"> reaches ${Math.round(box.right)} px`,
          );
      }
    }
    const describe = (element: Element) =>
      `<${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}> "${(element.textContent ?? '').trim().slice(0, 50)}"`;
    for (const element of document.querySelectorAll<HTMLElement>('body *')) {
      const ownText = [...element.childNodes].some(
        (node) => node.nodeType === Node.TEXT_NODE && (node.textContent ?? '').trim() !== '',
      );
      if (!ownText || !element.checkVisibility()) continue;
      if (element.closest('.truncate, .sr-only, script, style, [hidden], .uppy-Root, option')) continue;
      const style = getComputedStyle(element);
      if (style.display === 'inline' || style.display === 'contents') continue;
      if (element.scrollWidth > element.clientWidth + 1 && element.clientWidth > 0)
        problems.push(
          `${describe(element)} is cut: ${element.scrollWidth} px of text in ${element.clientWidth} px`,
        );
      const box = element.getBoundingClientRect();
      if ((box.right > width + 1 || box.left < -1) && !scrolls(element))
        problems.push(
          `${describe(element)} sticks out of the window (${Math.round(box.left)}–${Math.round(box.right)} px)`,
        );
    }
    return problems;
  });
}
