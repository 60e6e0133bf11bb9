import { crc32, deflateSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokenImages, openBrowser, signInAs, type Browser } from './browser';
import { startStack, type RunningStack } from './stack';

// More than two of the library's pages (it asks for 100 at a time, the API's maximum).
const COUNT = 250;
let browser: Browser;
// A stack of its own, with rate limits off: 250 uploads in the shared stack would use up its upload bucket.
let stack: RunningStack | undefined;
let bobKey = '';
const ids: string[] = [];
const api = (path: string, init: RequestInit = {}) =>
  fetch(`${stack!.apiUrl}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${bobKey}`, ...init.headers },
  });

/** A small PNG of one colour: `n` picks the colour, so every image has bytes of its own (no deduplication). */
function png(n: number, size = 16): Uint8Array {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const colour = [n & 0xff, (n >> 8) & 0xff, 0x80];
  const row = Buffer.from([0, ...Array.from({ length: size * 3 }, (_, i) => colour[i % 3]!)]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: size }, () => row)));
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk('IHDR', header),
    chunk('IDAT', pixels),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Runs `task` for 0..count-1, `width` at a time. */
async function inPool(count: number, width: number, task: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

async function uploadOne(i: number) {
  const form = new FormData();
  form.set('file', new Blob([png(i)], { type: 'image/png' }), `scale-${i}.png`);
  form.set('title', `scale-${i}`);
  const response = await api('/v1/upload', { method: 'POST', body: form });
  expect(response.status).toBe(201);
  ids.push(((await response.json()) as { id: string }).id);
}

beforeAll(async () => {
  // Rate limits off: the uploads bucket (60 a minute) would spread 250 uploads over four minutes of Retry-After
  // waits, by the end of which the variants queue has caught up; here the library opens while it still renders.
  stack = await startStack({ host: '127.0.0.1', seed: true, vars: { RATE_LIMIT_ENABLED: 'false' } });
  const credentials = resolve(import.meta.dirname, '../../../.dev/credentials.json');
  bobKey = (JSON.parse(readFileSync(credentials, 'utf8')) as { bob: { apiKey: string } }).bob.apiKey;
  browser = await openBrowser(stack.dashboardUrl);
  await signInAs(browser, 'bob');
  await inPool(COUNT, 6, uploadOne);
  // A stack of its own and 250 uploads: minutes on a loaded 2-core machine.
}, 600_000);
afterAll(async () => {
  await browser?.close();
  stack?.stop();
}, 300_000);

/** Scrolls the Library to its end; with `checkImages`, every card shown at each step must have loaded. */
async function scrollLibrary(checkImages: boolean): Promise<Set<string>> {
  const { page } = browser;
  await browser.visit('/library');
  await page.getByTestId('grid-item').first().waitFor();
  const seen = new Set<string>();
  const spinnerGone = () =>
    page.waitForFunction(() => !document.querySelector('.loading-spinner'), undefined, { timeout: 60_000 });
  for (let step = 0; step < 40 && seen.size < COUNT; step++) {
    await spinnerGone();
    const shown = await page
      .getByTestId('grid-item')
      .locator('img')
      .evaluateAll((cards) => cards.map((card) => card.getAttribute('alt') ?? ''));
    for (const alt of shown) if (alt.startsWith('scale-')) seen.add(alt);
    if (checkImages) expect(await brokenImages(page)).toEqual([]);
    expect(await page.getByTestId('error').count()).toBe(0);
    await page.evaluate(() => window.scrollBy(0, window.innerHeight));
  }
  return seen;
}

describe('the library past 200 images', () => {
  it('scrolls through every page with no error state, showing every image once', async () => {
    const seen = await scrollLibrary(false);
    expect(seen.size).toBeGreaterThan(200);
    expect(seen.size).toBe(COUNT);
  }, 300_000);

  // Right after 250 uploads, with the variants queue still rendering, a few thumbnails once came out broken
  // (naturalWidth 0) though their answers were whole 200s, in about one run in ten; the cause was never pinned
  // down (a transient failure, or a request Chromium dropped while the virtual grid swapped rows). The dashboard now
  // asks a failed thumbnail for again (retryOnError), so a card broken for a moment loads; brokenImages counts the
  // ones still broken after their retries.
  it('shows every card it scrolls past loaded, while the variants queue is still rendering', async () => {
    await scrollLibrary(true);
  }, 300_000);
});
