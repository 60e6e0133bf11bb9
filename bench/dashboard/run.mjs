// Dashboard budgets: first-load JavaScript of /library (gzipped, budget 150 KB) and scrolling a 10,000-image
// library without long tasks over 50 ms. Runs the production build (`vite build` + `vite preview`) in Debian's
// Chromium. The image list is answered by the page's own request interception with 10,000 schema-shaped images
// whose thumbnails are a 1x1 GIF, so the figure is the dashboard's own cost, not the API's or the network's.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { freePort, printHeader, spawnGroup, stopGroup, waitUntil } from '../lib/runner.mjs';

const frontend = resolve(import.meta.dirname, '../../packages/frontend');
const TOTAL = 10_000;
const PAGE = 100;

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
const image = (n) => ({
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
  title: null,
  alt: null,
  description: null,
  tags: [],
  favourite: false,
  status: 'ready',
  content_hash: null,
  exif: null,
  urls: { cdn: `${origin}/cdn/alice/default/photo-${n}.jpg`, short: `${origin}/cdn/i/s${n}` },
  created_at: '2026-11-22T10:00:00.000Z',
  updated_at: '2026-11-22T10:00:00.000Z',
  deleted_at: null,
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
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.route('**/v1/images?*', (route) => {
    const url = new URL(route.request().url());
    const start = Number(url.searchParams.get('cursor') ?? 0);
    const data = Array.from({ length: Math.min(PAGE, TOTAL - start) }, (_, i) => image(start + i));
    served = Math.max(served, start + data.length);
    const next = start + PAGE < TOTAL ? String(start + PAGE) : null;
    return route.fulfill({ json: { data, next_cursor: next } });
  });
  await page.route('**/v1/{albums,tags}*', (route) =>
    route.fulfill({ json: { data: [], next_cursor: null } }),
  );
  await page.route('**/cdn/**', (route) => route.fulfill({ body: gif, contentType: 'image/gif' }));

  const scripts = new Set();
  page.on('response', (response) => {
    const path = new URL(response.url()).pathname;
    if (path.endsWith('.js')) scripts.add(path);
  });
  await page.goto(`${origin}/library`, { waitUntil: 'networkidle' });
  const clientDir = join(frontend, '.svelte-kit/output/client');
  let gzipped = 0;
  for (const path of scripts) gzipped += gzipSync(readFileSync(join(clientDir, path))).length;
  const firstLoadKb = gzipped / 1024;

  // Scroll to the bottom and back, loading all 100 pages, recording long tasks on the way.
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
    if (Date.now() - started > 120_000) throw new Error(`gave up scrolling with ${count} items rendered`);
  }
  const rendered = await page.evaluate(() => document.querySelectorAll('[data-testid="grid-item"]').length);
  const longTasks = await page.evaluate(() => window.__longTasks);
  const worst = longTasks.length ? Math.max(...longTasks) : 0;

  printHeader(`Dashboard budgets (production build, Chromium ${browser.version()})`);
  console.log(
    `  /library first-load JS: ${firstLoadKb.toFixed(1)} KB gzipped in ${scripts.size} files (budget 150 KB) ${firstLoadKb <= 150 ? 'OK' : 'OVER'}`,
  );
  console.log(
    `  scrolling ${TOTAL} images: ${rendered} grid cells in the DOM at the end, ${longTasks.length} long tasks, worst ${worst.toFixed(0)} ms (budget: none over 50 ms) ${worst <= 50 ? 'OK' : 'OVER'}`,
  );
} finally {
  await browser.close();
  stopGroup(preview);
}
