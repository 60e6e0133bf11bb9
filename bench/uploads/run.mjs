// Upload and listing benchmarks, each printed beside its baseline or goal (see packages/docs/guide/uploads.md):
//   1. a 100 MB tus upload through the full Worker (tus-js-client, 10 MB chunks) vs a bare Worker putting the
//      same bytes into R2, both on loopback; RSS of each dev server before and after, and its peak. The file
//      is a JPEG with GPS/EXIF in its header (`BENCH_UPLOAD_KIND=png`: a PNG, refused above the in-memory
//      ingest limit), so ingest strips it on the bounded path;
//   2. GET /v1/images (50 per page) and an FTS search over 100,000 images: p50 latency (`BENCH_IMAGES=0` skips).
// Run from the repository root: `pnpm --filter @pixelflare/bench uploads`. Uses its own temporary local state.
import { createHmac, randomBytes } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';

const root = path.resolve(import.meta.dirname, '../..');
const tus = createRequire(path.join(root, 'packages/api/package.json'))('tus-js-client');
const state = mkdtempSync(path.join(tmpdir(), 'pf-bench-uploads-'));
const PORT = 8792;
const UPLOAD_MB = Number(process.env.BENCH_UPLOAD_MB ?? 100);
const IMAGES = Number(process.env.BENCH_IMAGES ?? 100_000);
const KIND = process.env.BENCH_UPLOAD_KIND ?? 'jpeg';
const devVars = Object.fromEntries(
  readFileSync(path.join(root, '.dev.vars'), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1).replaceAll('"', '')];
    }),
);
const overrides = { RATE_LIMIT_ENABLED: 'false', PUBLIC_API_URL: `http://127.0.0.1:${PORT}` };
const vars = Object.entries({ ...devVars, ...overrides })
  .map(([k, v]) => `${k}:${v}`)
  .flatMap((v) => ['--var', v]);

const wrangler = (...args) =>
  execFileSync('wrangler', args, {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1e8,
  });
const sql = (command) =>
  wrangler('d1', 'execute', 'DB', '--local', '--persist-to', state, '--command', command);
const logFile = openSync(path.join(tmpdir(), 'pf-bench-uploads-wrangler.log'), 'w');

async function startWorker(args) {
  const child = spawn(
    'wrangler',
    [
      'dev',
      '--local',
      '--port',
      String(PORT),
      '--ip',
      '127.0.0.1',
      '--persist-to',
      state,
      '--show-interactive-dev-session=false',
      ...args,
    ],
    { cwd: root, stdio: ['ignore', logFile, logFile], detached: true },
  );
  for (let i = 0; i < 120; i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    try {
      await fetch(`http://127.0.0.1:${PORT}/`);
      if (child.exitCode === null) return child;
    } catch {
      // not up yet
    }
  }
  throw new Error('wrangler dev did not start');
}

function stopWorker(child) {
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  return new Promise((resolve) => setTimeout(resolve, 1500));
}

/** Resident memory now and at peak (VmRSS, VmHWM) of this dev server's workerd processes, in MB. */
function workerdMemoryMb(child) {
  const pids = execFileSync('pgrep', ['-g', String(child.pid)], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .filter(Boolean);
  let rss = 0;
  let peak = 0;
  for (const pid of pids) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      if (!/^Name:\s+workerd/m.test(status)) continue;
      rss += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
    } catch {
      // exited
    }
  }
  return { rss, peak };
}

/** A valid PNG of `size` bytes: a 4×3 image plus a private ancillary chunk of filler that decoders skip. */
function bigPng(size) {
  const crc = () => Buffer.alloc(4);
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    return Buffer.concat([len, Buffer.from(type), data, crc()]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(4, 0);
  ihdr.writeUInt32BE(3, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const head = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(3 * 13))),
  ]);
  const end = chunk('IEND', Buffer.alloc(0));
  const filler = randomBytes(size - head.length - end.length - 12);
  return Buffer.concat([head, chunk('prVt', filler), end]);
}

/**
 * A JPEG of `size` bytes: the test fixture photo-gps.jpg (GPS, serial number, artist, XMP, ICC, orientation 6)
 * with filler entropy-coded data before its end marker (no 0xFF bytes, so no marker inside the scan).
 */
function bigJpeg(size) {
  const jpeg = readFileSync(path.join(root, 'packages/api/test/fixtures/photo-gps.jpg'));
  const filler = randomBytes(size - jpeg.length);
  for (let i = 0; i < filler.length; i++) if (filler[i] === 0xff) filler[i] = 0xfe;
  return Buffer.concat([jpeg.subarray(0, jpeg.length - 2), filler, jpeg.subarray(jpeg.length - 2)]);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const row = (cells) => console.log(cells.map((cell, i) => String(cell).padEnd(i === 0 ? 46 : 16)).join(''));

async function p50(url, headers, runs = 30) {
  const times = [];
  for (let i = 0; i < runs + 3; i++) {
    const start = performance.now();
    const response = await fetch(url, { headers });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    if (i >= 3) times.push(performance.now() - start);
  }
  return median(times);
}

async function benchListing() {
  console.log(`Inserting ${IMAGES} images …`);
  sql(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${IMAGES})
     INSERT INTO images (id, short_id, owner_id, album_slug, filename, content_type, bytes, width, height, storage_key, title, is_private, is_animated, is_encrypted, nsfw, status, backup_status, created_at, updated_at)
     SELECT printf('img_b%012d', i), printf('b%07d', i), 'usr_bench', 'default', printf('photo-%d.jpg', i), 'image/jpeg', 1000 + i, 800, 600,
            printf('usr_bench/default/img_b%012d/original.jpg', i),
            (CASE i % 5 WHEN 0 THEN 'sunset over the sea' WHEN 1 THEN 'mountain lake' WHEN 2 THEN 'city lights' WHEN 3 THEN 'forest trail' ELSE 'desert dunes' END) || ' ' || (i % 1000),
            0, 0, 0, 0, 'ready', 'none', 1767225600000 + i * 1000, 1767225600000 + i * 1000 FROM n`,
  );
  worker = await startWorker(['--config', 'wrangler.toml', ...vars]);
  const floor = await p50(`${base}/v1/usage`, auth);
  const firstPage = await p50(`${base}/v1/images?limit=50`, auth);
  const page = await (await fetch(`${base}/v1/images?limit=50`, { headers: auth })).json();
  const nextPage = page.next_cursor
    ? await p50(`${base}/v1/images?limit=50&cursor=${page.next_cursor}`, auth)
    : NaN;
  const bySize = await p50(`${base}/v1/images?limit=50&sort=size`, auth);
  const search = await p50(`${base}/v1/images?limit=50&q=sunset%20sea`, auth);
  const rare = await p50(`${base}/v1/images?limit=50&q=lake%20417`, auth);
  await stopWorker(worker);
  return { floor, firstPage, nextPage, bySize, search, rare };
}

const base = `http://127.0.0.1:${PORT}`;
console.log(`Preparing local state in ${state} …`);
wrangler('d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state);
// Alphanumeric only: keeps the key clear of any quoting in the SQL and headers below.
let key = '';
while (!/^pf_[A-Za-z0-9]{43}$/.test(key)) key = `pf_${randomBytes(32).toString('base64url')}`;
const keyHash = createHmac('sha256', devVars.API_HASH_SECRET).update(key).digest('hex');
sql(
  "INSERT INTO users (id, slug, is_admin, plan, image_count, storage_bytes, encryption_key_version, created_at, updated_at) VALUES ('usr_bench', 'bench', 0, 'pro', 0, 0, 0, 0, 0)",
);
sql(
  `INSERT INTO api_keys (id, owner_id, name, prefix, key_hash, scopes, created_at) VALUES ('key_bench', 'usr_bench', 'bench', '${key.slice(0, 10)}', '${keyHash}', '["images:read","images:write"]', 0)`,
);
const auth = { Authorization: `Bearer ${key}` };
const file = KIND === 'png' ? bigPng(UPLOAD_MB * 1024 * 1024) : bigJpeg(UPLOAD_MB * 1024 * 1024);

// 1. tus through the Worker.
let worker = await startWorker(['--config', 'wrangler.toml', ...vars]);
await fetch(`${base}/v1/status`);
const before = workerdMemoryMb(worker);
const tusStart = performance.now();
let imageId;
try {
  await new Promise((resolve, reject) => {
    new tus.Upload(file, {
      endpoint: `${base}/v1/uploads/tus`,
      chunkSize: 10 * 1024 * 1024,
      headers: auth,
      metadata: { filename: `bench.${KIND === 'png' ? 'png' : 'jpg'}` },
      retryDelays: null,
      onAfterResponse: (_req, res) => {
        imageId = res.getHeader('Pixelflare-Image-Id') ?? imageId;
      },
      onChunkComplete: (_size, sent) => {
        if (process.env.BENCH_VERBOSE)
          console.log(`sent ${sent} at ${(performance.now() - tusStart).toFixed(0)} ms`);
      },
      onError: reject,
      onSuccess: resolve,
    }).start();
  });
} catch (error) {
  await stopWorker(worker);
  throw error;
}
const tusSeconds = (performance.now() - tusStart) / 1000;
const after = workerdMemoryMb(worker);
await stopWorker(worker);
if (!imageId) throw new Error('the tus upload did not produce an image');

// 1b. The baseline: a bare Worker putting the same bytes into R2.
writeFileSync(
  path.join(state, 'baseline-put.js'),
  `export default { async fetch(request, env) { await env.IMAGES_BUCKET.put('bench/raw', request.body); return new Response('ok'); } };`,
);
writeFileSync(
  path.join(state, 'wrangler.baseline-put.toml'),
  `name = "pixelflare-bench-put"\nmain = "baseline-put.js"\ncompatibility_date = "2026-11-01"\n[[r2_buckets]]\nbinding = "IMAGES_BUCKET"\nbucket_name = "pixelflare-images"\n`,
);
worker = await startWorker(['--config', path.join(state, 'wrangler.baseline-put.toml')]);
const rawBefore = workerdMemoryMb(worker);
const rawStart = performance.now();
const raw = await fetch(`${base}/`, {
  method: 'PUT',
  body: file,
  headers: { 'Content-Length': String(file.length) },
});
if (!raw.ok) throw new Error(`raw put answered ${raw.status}`);
const rawSeconds = (performance.now() - rawStart) / 1000;
const rawAfter = workerdMemoryMb(worker);
await stopWorker(worker);

// 2. Listing and search over many images (generated in SQL; the FTS triggers index each row).
const listing = IMAGES > 0 ? await benchListing() : null;

const mbps = (seconds) => (UPLOAD_MB / seconds).toFixed(0);
console.log(`\nUpload and listing benchmarks (loopback, local wrangler dev)\n`);
row(['', 'Pixelflare', 'baseline', 'ratio', 'goal']);
row([
  `${UPLOAD_MB} MB tus upload (10 MB chunks), MB/s`,
  mbps(tusSeconds),
  mbps(rawSeconds) + ' (raw R2 put)',
  (rawSeconds / tusSeconds).toFixed(2) + '×',
  '≥ 0.5×',
]);
row([
  `dev server workerd RSS MB, before → after (${KIND})`,
  `${before.rss.toFixed(0)} → ${after.rss.toFixed(0)}`,
  `${rawBefore.rss.toFixed(0)} → ${rawAfter.rss.toFixed(0)} (raw R2 put)`,
  '',
  'flat',
]);
row([
  'dev server workerd peak RSS MB (VmHWM)',
  after.peak.toFixed(0),
  `${rawAfter.peak.toFixed(0)} (raw R2 put)`,
  '',
  '',
]);
if (listing) {
  const { floor, firstPage, nextPage, bySize, search, rare } = listing;
  row([
    `GET /v1/images first page of ${IMAGES}, p50 ms`,
    firstPage.toFixed(1),
    floor.toFixed(1) + ' (GET /v1/usage)',
    '',
    '≤ 20',
  ]);
  row(['GET /v1/images next page (cursor), p50 ms', nextPage.toFixed(1), '', '', '≤ 20']);
  row(['GET /v1/images sort=size, p50 ms', bySize.toFixed(1), '', '', '']);
  row(['FTS q=sunset sea (20% of rows), p50 ms', search.toFixed(1), '', '', '≤ 50']);
  row(['FTS q=lake 417 (rare), p50 ms', rare.toFixed(1), '', '', '≤ 50']);
}
