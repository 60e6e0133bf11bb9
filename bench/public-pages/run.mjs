// Lighthouse on the public pages (goal: performance and accessibility >= 95 each, see packages/docs/guide/benchmarks.md):
// an owner with a realistic number of public images (PUBLIC_IMAGES, default 96: two full grid pages, four albums,
// every placeholder worked out by the real variants job), served by the local stack (`wrangler dev --local` on a
// snapshot of the committed tree, its own temporary state), audited by the `lighthouse` package in Debian's
// Chromium (CHROME_PATH, default /usr/bin/chromium) with its default mobile emulation and simulated throttling
// (slow 4G, CPU 4x), offline: nothing but loopback is reached. Each page is audited RUNS times (default 3) and
// the median performance score is printed with its metrics; failing audits are listed.
// Run from the repository root: `pnpm --filter @pixelflare/bench public-pages`.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import sharp from 'sharp';
import { localState, printHeader, readDevVars, table, waitUntil } from '../lib/runner.mjs';

const IMAGES = Number(process.env.PUBLIC_IMAGES ?? 96);
const RUNS = Number(process.env.RUNS ?? 3);
const OWNER = 'gallery';
const ALBUMS = ['coast', 'mountains', 'city', 'garden'];
// What Chromium asks for images with: the CDN caches one answer per negotiated format, so the warm-up asks alike.
const IMAGE_ACCEPT = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';

/** A smooth photo-like JPEG (a random 6×4 field of colours, scaled up): each one different, ~40–80 KB. */
async function photo(n, width, height) {
  const seed = (i) => Math.floor(Math.abs(Math.sin(n * 97.13 + i * 12.7)) * 255);
  const field = Buffer.from(Array.from({ length: 6 * 4 * 3 }, (_, i) => seed(i)));
  return sharp(field, { raw: { width: 6, height: 4, channels: 3 } })
    .resize(width, height, { kernel: 'cubic' })
    .jpeg({ quality: 82 })
    .toBuffer();
}

const local = await localState('public-pages', { snapshot: true });
const { base } = local;
const reportsDir = mkdtempSync(path.join(tmpdir(), 'pf-bench-lighthouse-'));
let chrome;

try {
  console.log(`Preparing local state in ${local.dir} …`);
  local.migrate();
  local.addUser({ id: 'usr_gallery', slug: OWNER });
  local.sql(
    "UPDATE users SET display_name = 'Gallery Owner', bio = 'Photographs from the coast, the mountains and the city.', website = 'https://example.org', github = 'gallery' WHERE id = 'usr_gallery'",
  );
  const key = local.addApiKey({
    ownerId: 'usr_gallery',
    scopes: ['images:write', 'albums:write', 'images:read'],
  });
  const auth = { Authorization: `Bearer ${key}` };
  const worker = await local.startWorker({
    // The pages' image URLs are built on PUBLIC_API_URL: this bench's own port.
    vars: {
      ...readDevVars(),
      PUBLIC_API_URL: base,
      RATE_LIMIT_ENABLED: 'false',
      AI_ENGINE: 'off',
      USAGE_LIMITS_ENABLED: 'false',
    },
  });
  for (const slug of ALBUMS) {
    const response = await fetch(`${base}/v1/albums`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        slug,
        title: slug[0].toUpperCase() + slug.slice(1),
        description: `Pictures: ${slug}`,
      }),
    });
    if (response.status !== 201)
      throw new Error(`album ${slug}: ${response.status} ${await response.text()}`);
  }
  console.log(`Uploading ${IMAGES} images …`);
  for (let n = 0; n < IMAGES; n++) {
    const [width, height] = n % 3 === 0 ? [1200, 1600] : [1600, 1067];
    const form = new FormData();
    form.set('file', new File([await photo(n, width, height)], `photo-${n}.jpg`, { type: 'image/jpeg' }));
    form.set('alt', `Photograph number ${n + 1}`);
    if (n % 2 === 0) form.set('album', ALBUMS[(n / 2) % ALBUMS.length]);
    const response = await fetch(`${base}/v1/upload`, { method: 'POST', headers: auth, body: form });
    if (response.status !== 201) throw new Error(`upload ${n}: ${response.status} ${await response.text()}`);
  }
  // The variants job works out each image's ThumbHash and dominant colour (the pages' placeholders).
  // Measured only once the queue is drained, so no background job shares the CPU with the audits.
  console.log('Waiting for the variants job (placeholders) …');
  await waitUntil(
    'every placeholder',
    () => local.sql('SELECT count(*) AS n FROM image_ai WHERE thumbhash IS NOT NULL')[0].n >= IMAGES,
    Number(process.env.PLACEHOLDER_WAIT_MINUTES ?? 60) * 60_000,
    5000,
  );

  const pages = [`/u/${OWNER}`, `/u/${OWNER}/${ALBUMS[0]}`];
  // Warm the CDN cache with every image URL the pages name, as a visitor before the audited one would have.
  for (const page of pages) {
    const html = await (await fetch(`${base}${page}`)).text();
    const urls = new Set();
    for (const [, attr] of html.matchAll(/(?:src|srcset)="([^"]+)"/g))
      for (const part of attr.split(',')) urls.add(part.trim().split(' ')[0].replaceAll('&amp;', '&'));
    for (const url of urls) await (await fetch(url, { headers: { Accept: IMAGE_ACCEPT } })).arrayBuffer();
  }

  chrome = await chromeLauncher.launch({
    chromePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
    chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  const results = [];
  for (const page of pages) {
    const runs = [];
    for (let i = 0; i < RUNS; i++) {
      const { lhr } = await lighthouse(`${base}${page}`, {
        port: chrome.port,
        output: 'json',
        logLevel: 'error',
        onlyCategories: ['performance', 'accessibility'],
      });
      runs.push(lhr);
    }
    const byScore = [...runs].sort((a, b) => a.categories.performance.score - b.categories.performance.score);
    const lhr = byScore[Math.floor(byScore.length / 2)];
    const file = path.join(reportsDir, `${page.replaceAll('/', '_')}.json`);
    writeFileSync(file, JSON.stringify(lhr));
    results.push({
      page,
      lhr,
      file,
      scores: runs.map((run) => Math.round(run.categories.performance.score * 100)),
    });
  }
  await local.stopWorker(worker);

  printHeader(
    `Public pages under Lighthouse ${results[0].lhr.lighthouseVersion} (${results[0].lhr.environment.hostUserAgent.match(/Chrome\/[\d.]+/)?.[0] ?? 'Chromium'}, mobile, simulated slow 4G + 4x CPU)`,
  );
  console.log(
    `  ${IMAGES} public images (${ALBUMS.length} albums), ${RUNS} runs a page, median performance run shown\n`,
  );
  const row = table(['page', 'performance', 'accessibility', 'FCP ms', 'LCP ms', 'TBT ms', 'CLS', 'goal'], {
    first: 26,
    rest: 14,
  });
  const audit = (lhr, id) => lhr.audits[id]?.numericValue ?? NaN;
  for (const { page, lhr, scores } of results) {
    const performance = Math.round(lhr.categories.performance.score * 100);
    const accessibility = Math.round(lhr.categories.accessibility.score * 100);
    row([
      page,
      `${performance} (${scores.join(' ')})`,
      accessibility,
      audit(lhr, 'first-contentful-paint').toFixed(0),
      audit(lhr, 'largest-contentful-paint').toFixed(0),
      audit(lhr, 'total-blocking-time').toFixed(0),
      audit(lhr, 'cumulative-layout-shift').toFixed(3),
      performance >= 95 && accessibility >= 95 ? '>= 95 OK' : '>= 95 MISSED',
    ]);
  }
  for (const { page, lhr, file } of results) {
    const failing = Object.values(lhr.categories)
      .flatMap((category) =>
        category.auditRefs.filter((ref) => ref.weight > 0).map((ref) => lhr.audits[ref.id]),
      )
      .filter((a) => a.score !== null && a.score < 0.9 && a.scoreDisplayMode !== 'informative');
    console.log(
      `\n  ${page}: ${failing.length ? 'audits below 0.9:' : 'no weighted audit below 0.9'} (report: ${file})`,
    );
    for (const a of failing)
      console.log(`    ${a.id} ${a.score}${a.displayValue ? ` (${a.displayValue})` : ''}`);
  }
} finally {
  await chrome?.kill();
  local.cleanup();
}
