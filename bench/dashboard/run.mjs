// Dashboard budgets: first-load JavaScript of /library (gzipped, budget 150 KB) and scrolling a 10,000-image
// library without long tasks over 50 ms, with the CPU throttled 4× (and unthrottled, for comparison;
// `BENCH_CPU_THROTTLE=4` runs only the first). Runs the production build (`vite build` + `vite preview`) in
// Debian's Chromium. The API is answered by the page's own request interception: a signed-in session and 10,000
// images that the shared ImageSchema accepts (the dashboard's client parses every answer with it, and refuses a
// page whose images lack a field), whose thumbnails are a 1x1 GIF, so the figure is the dashboard's own cost, not
// the API's or the network's. Run from the repository root: `pnpm --filter @pixelflare/bench dashboard`.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { ImageSchema, SessionSchema } from '../../packages/shared/src/index';
import { freePort, printHeader, spawnGroup, stopGroup, waitUntil } from '../lib/runner.mjs';

const frontend = resolve(import.meta.dirname, '../../packages/frontend');
const TOTAL = 10_000;
const PAGE = 100;
const THROTTLES = (process.env.BENCH_CPU_THROTTLE ?? '4,1').split(',').map(Number);

const port = await freePort();
execFileSync('pnpm', ['exec', 'vite', 'build'], { cwd: frontend, stdio: 'ignore' });
const preview = spawnGroup(
  'pnpm',
  ['exec', 'vite', 'preview', '--port', String(port), '--strictPort', '--host', '127.0.0.1'],
  { cwd: frontend, stdio: 'ignore' },
);
const origin = `http://127.0.0.1:${port}`;
await waitUntil('vite preview', () => fetch(origin).then(() => true), 60_000, 100);

const gif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
/** The nth image as GET /v1/images answers it for its owner (public access: plain preview URLs). */
const image = (n) => {
  const cdn = `${origin}/cdn/alice/default/photo-${n}.jpg`;
  return ImageSchema.parse({
    id: `img_${String(n).padStart(6, '0')}`,
    short_id: `s${n}`,
    filename: `photo-${n}.jpg`,
    album: null,
    content_type: 'image/jpeg',
    bytes: 1000,
    width: 800,
    height: 600,
    is_animated: false,
    is_private: false,
    access: 'public',
    is_encrypted: false,
    title: null,
    alt: null,
    description: null,
    tags: [],
    favourite: false,
    status: 'ready',
    content_hash: null,
    exif: null,
    urls: { cdn, short: `${origin}/cdn/i/s${n}` },
    previews: { thumb: `${cdn}/thumb`, w256: `${cdn}/w256`, expires_at: null },
    // Every card decodes a ThumbHash while its thumbnail loads, as a real library's do.
    placeholder: { thumbhash: '/PcFDoCoaGt4dXh0eViXp1dw+H+F/1c=', dominant_color: '#6c8ea8' },
    created_at: '2026-11-22T10:00:00.000Z',
    updated_at: '2026-11-22T10:00:00.000Z',
    deleted_at: null,
  });
};
const images = Array.from({ length: TOTAL }, (_, n) => image(n));
// AUTH_MODE=none's session for alice, as the local API answers it.
const session = SessionSchema.parse({
  authenticated: true,
  mode: 'none',
  via: 'dev',
  user: {
    id: 'usr_alice',
    slug: 'alice',
    email: null,
    display_name: null,
    bio: null,
    website: null,
    avatar_url: null,
    is_admin: true,
    ai_analysis: true,
    plan: 'pro',
    image_count: TOTAL,
    storage_bytes: TOTAL * 1000,
    created_at: '2026-11-22T10:00:00.000Z',
  },
});

let served = 0;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
/** A fresh page with the API answered by interception; `served` counts how far the library has asked. */
async function openLibrary() {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.route('**/v1/images?*', (route) => {
    const url = new URL(route.request().url());
    const start = Number(url.searchParams.get('cursor') ?? 0);
    const data = images.slice(start, start + PAGE);
    served = Math.max(served, start + data.length);
    const next = start + PAGE < TOTAL ? String(start + PAGE) : null;
    return route.fulfill({ json: { data, next_cursor: next } });
  });
  await page.route('**/v1/{albums,tags}*', (route) =>
    route.fulfill({ json: { data: [], next_cursor: null } }),
  );
  await page.route('**/auth/session', (route) => route.fulfill({ json: session }));
  await page.route('**/cdn/**', (route) => route.fulfill({ body: gif, contentType: 'image/gif' }));
  return page;
}

/** The first page of the library, or the error the dashboard shows instead (what a fresh clone met). */
async function firstItems(page) {
  const shown = page.locator('[data-testid="grid-item"], [data-testid="error"]').first();
  await shown.waitFor({ timeout: 60_000 });
  if ((await shown.getAttribute('data-testid')) === 'error')
    throw new Error(`the library shows an error: ${(await shown.innerText()).trim()}`);
}

/**
 * Scrolls the library to its end (400 px every frame or so, loading all 100 pages) with the CPU slowed `rate`
 * times, recording long tasks on the way.
 */
async function scrollPass(rate) {
  served = 0;
  const page = await openLibrary();
  await page.goto(`${origin}/library`, { waitUntil: 'networkidle' });
  await firstItems(page);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate });
  await page.evaluate(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
    }).observe({ type: 'longtask', buffered: false });
  });
  const started = Date.now();
  for (;;) {
    const count = await page.evaluate(() => {
      window.scrollBy(0, 400);
      return document.querySelectorAll('[data-testid="grid-item"]').length;
    });
    await page.waitForTimeout(16);
    const atEnd = await page.evaluate(
      () => window.innerHeight + window.scrollY >= document.body.scrollHeight - 2,
    );
    if (atEnd && served === TOTAL) break;
    if (Date.now() - started > 600_000)
      throw new Error(`gave up scrolling after 10 minutes with ${count} items rendered, ${served} served`);
  }
  const seconds = (Date.now() - started) / 1000;
  const rendered = await page.evaluate(() => document.querySelectorAll('[data-testid="grid-item"]').length);
  const longTasks = await page.evaluate(() => window.__longTasks);
  await page.close();
  return { rate, seconds, rendered, longTasks };
}

try {
  const page = await openLibrary();
  const scripts = new Set();
  page.on('response', (response) => {
    const path = new URL(response.url()).pathname;
    if (path.endsWith('.js')) scripts.add(path);
  });
  await page.goto(`${origin}/library`, { waitUntil: 'networkidle' });
  await firstItems(page);
  await page.close();
  const clientDir = join(frontend, '.svelte-kit/output/client');
  let gzipped = 0;
  for (const path of scripts) gzipped += gzipSync(readFileSync(join(clientDir, path))).length;
  const firstLoadKb = gzipped / 1024;

  const passes = [];
  for (const rate of THROTTLES) passes.push(await scrollPass(rate));

  printHeader(`Dashboard budgets (production build, Chromium ${browser.version()})`);
  console.log(
    `  /library first-load JS: ${firstLoadKb.toFixed(1)} KB gzipped in ${scripts.size} files (budget 150 KB) ${firstLoadKb <= 150 ? 'OK' : 'OVER'}`,
  );
  for (const { rate, seconds, rendered, longTasks } of passes) {
    const worst = longTasks.length ? Math.max(...longTasks) : 0;
    const sorted = [...longTasks].sort((a, b) => b - a).map((ms) => ms.toFixed(0));
    console.log(
      `  scrolling ${TOTAL} images, ${rate === 1 ? 'CPU unthrottled' : `CPU throttled ${rate}×`}: ${seconds.toFixed(0)} s, ${rendered} grid cells in the DOM at the end, ${longTasks.length} long tasks, worst ${worst.toFixed(0)} ms (budget: none over 50 ms) ${worst <= 50 ? 'OK' : 'OVER'}`,
    );
    if (sorted.length)
      console.log(`    long tasks, ms: ${sorted.slice(0, 30).join(' ')}${sorted.length > 30 ? ' …' : ''}`);
  }
} finally {
  await browser.close();
  stopGroup(preview);
}
