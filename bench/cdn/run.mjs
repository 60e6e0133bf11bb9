// CDN benchmarks, each figure printed beside its baseline (see packages/docs/guide/cdn.md):
//   1. cache hit through the full Worker vs a bare Worker streaming the same R2 object (autocannon, loopback);
//   2. cache miss, 12 MP JPEG -> w1024 WebP through the Images binding vs sharp doing the same in Node;
//   3. the WebAssembly engine on 2 MP and 4 MP sources: time and peak memory of the workerd process.
// Run from the repository root: `pnpm --filter @pixelflare/bench cdn`. Uses its own temporary local state.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import sharp from 'sharp';

const root = path.resolve(import.meta.dirname, '../..');
const state = mkdtempSync(path.join(tmpdir(), 'pf-bench-'));
const files = mkdtempSync(path.join(tmpdir(), 'pf-bench-files-'));
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 10;
const PORT = 8791;
const secrets = readFileSync(path.join(root, '.dev.vars'), 'utf8')
  .split('\n')
  .filter((line) => /^[A-Z_]+=/.test(line))
  .map((line) => line.replace('=', ':').replaceAll('"', ''));

const wrangler = (...args) =>
  execFileSync('wrangler', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const sql = (command) =>
  wrangler('d1', 'execute', 'DB', '--local', '--persist-to', state, '--json', '--command', command);

async function source(name, width, height) {
  const file = path.join(files, name);
  const bytes = await sharp({
    create: { width, height, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 40 } },
  })
    .blur(3)
    .jpeg({ quality: 85 })
    .toBuffer();
  writeFileSync(file, bytes);
  return { file, bytes, width, height };
}

async function storeImage(id, image, filename) {
  const key = `usr_bench/default/${id}/original.jpg`;
  wrangler(
    'r2',
    'object',
    'put',
    `pixelflare-images/${key}`,
    '--file',
    image.file,
    '--content-type',
    'image/jpeg',
    '--local',
    '--persist-to',
    state,
  );
  sql(
    `INSERT INTO images (id, short_id, owner_id, album_slug, filename, content_type, bytes, width, height, storage_key, is_private, is_animated, is_encrypted, nsfw, status, backup_status, created_at, updated_at) VALUES ('${id}', '${id.slice(-6)}', 'usr_bench', 'default', '${filename}', 'image/jpeg', ${image.bytes.length}, ${image.width}, ${image.height}, '${key}', 0, 0, 0, 0, 'ready', 'none', 0, 0)`,
  );
}

const logFile = openSync(path.join(tmpdir(), 'pf-bench-wrangler.log'), 'w');

async function startWorker(args, env = {}) {
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
    {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', logFile, logFile],
      detached: true,
    },
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

/** Peak resident memory (VmHWM) of the workerd processes under a wrangler dev, in MB. */
function workerdPeakMb() {
  const pids = execFileSync('pgrep', ['-f', 'workerd serve'], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .filter(Boolean);
  let peak = 0;
  for (const pid of pids) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
    } catch {
      // exited
    }
  }
  return peak;
}

const load = (url, headers = {}) =>
  autocannon({ url, connections: CONNECTIONS, duration: DURATION, headers });

async function timed(url, headers = {}) {
  const start = performance.now();
  const response = await fetch(url, { headers });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return { ms: performance.now() - start, cache: response.headers.get('X-Cache') };
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const row = (cells) => console.log(cells.map((cell, i) => String(cell).padEnd(i === 0 ? 44 : 16)).join(''));

try {
  console.log(`Preparing local state in ${state} …`);
  wrangler('d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state);
  sql(
    "INSERT INTO users (id, slug, is_admin, plan, image_count, storage_bytes, encryption_key_version, created_at, updated_at) VALUES ('usr_bench', 'bench', 0, 'free', 0, 0, 0, 0, 0)",
  );
  const photo12 = await source('12mp.jpg', 4000, 3000);
  const photo2 = await source('2mp.jpg', 1732, 1155);
  const photo4 = await source('4mp.jpg', 2400, 1600);
  await storeImage('img_bench12mpaaaa', photo12, '12mp.jpg');
  await storeImage('img_bench2mpbbbbbb', photo2, '2mp.jpg');
  await storeImage('img_bench4mpcccccc', photo4, '4mp.jpg');
  const vars = [...secrets, 'RATE_LIMIT_ENABLED:false'].flatMap((v) => ['--var', v]);
  const base = `http://127.0.0.1:${PORT}`;
  const accept = { Accept: 'image/webp' };

  // 1 + 2: the full Worker with the Images binding.
  let worker = await startWorker(['--config', 'wrangler.toml', ...vars]);
  const hitUrl = `${base}/cdn/bench/default/2mp.jpg/w1024`;
  await timed(hitUrl, accept);
  const warm = await timed(hitUrl, accept);
  const hit = await load(hitUrl, accept);
  // The floor: the same Worker answering a malformed /cdn path, which does no I/O at all.
  const floor = await load(`${base}/cdn/x`);
  const misses = [];
  for (let q = 70; q < 75; q++)
    misses.push((await timed(`${base}/cdn/bench/default/12mp.jpg/w1024?q=${q}`, accept)).ms);
  await stopWorker(worker);
  const variantKey = JSON.parse(
    sql(
      "SELECT storage_key FROM image_variants WHERE name = 'w1024' AND format = 'webp' AND image_id = 'img_bench2mpbbbbbb'",
    ),
  )[0].results[0].storage_key;

  // The baseline Worker streaming the very object the cache hit serves.
  worker = await startWorker(['--config', 'bench/cdn/wrangler.baseline.toml']);
  const bare = await load(`${base}/?key=${encodeURIComponent(variantKey)}`);
  await stopWorker(worker);

  const sharpTimes = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    await sharp(photo12.bytes)
      .resize({ width: 1024, withoutEnlargement: true })
      .webp({ quality: 70 + i })
      .toBuffer();
    sharpTimes.push(performance.now() - start);
  }

  // 3: the WebAssembly engine.
  worker = await startWorker(['--config', 'wrangler.toml', ...vars, '--var', 'IMAGE_ENGINE:wasm']);
  const idleMb = workerdPeakMb();
  const wasm = {};
  for (const name of ['2mp', '4mp']) {
    const times = [];
    for (let q = 70; q < 73; q++)
      times.push((await timed(`${base}/cdn/bench/default/${name}.jpg/w1024?q=${q}`, accept)).ms);
    wasm[name] = { ms: median(times), peakMb: workerdPeakMb() };
  }
  await stopWorker(worker);

  console.log(
    `\nCDN benchmarks (${CONNECTIONS} connections × ${DURATION} s on loopback; local wrangler dev)\n`,
  );
  row(['', 'Pixelflare', 'baseline', 'ratio', 'goal']);
  row([
    'cache hit, requests/s (w1024 WebP, ' + warm.cache + ')',
    hit.requests.average.toFixed(0),
    bare.requests.average.toFixed(0),
    (hit.requests.average / bare.requests.average).toFixed(2) + '×',
    '≥ 0.8×',
  ]);
  row([
    'full Worker floor (no-I/O 404), requests/s',
    floor.requests.average.toFixed(0),
    bare.requests.average.toFixed(0),
    (floor.requests.average / bare.requests.average).toFixed(2) + '×',
    '',
  ]);
  row([
    'cache hit, p99 latency ms',
    hit.latency.p99,
    bare.latency.p99,
    (hit.latency.p99 / bare.latency.p99).toFixed(2) + '×',
    '≤ 1.25×',
  ]);
  row([
    'cache miss 12 MP JPEG → w1024 WebP, median ms',
    median(misses).toFixed(0),
    median(sharpTimes).toFixed(0) + ' (sharp)',
    (median(misses) / median(sharpTimes)).toFixed(2) + '×',
    '≤ 1.3×',
  ]);
  row(['WebAssembly engine, 2 MP → w1024 WebP, ms', wasm['2mp'].ms.toFixed(0), '', '', '']);
  row(['WebAssembly engine, 4 MP → w1024 WebP, ms', wasm['4mp'].ms.toFixed(0), '', '', '']);
  row([
    'workerd peak RSS MB (idle → after 2 MP → 4 MP)',
    `${idleMb.toFixed(0)} → ${wasm['2mp'].peakMb.toFixed(0)} → ${wasm['4mp'].peakMb.toFixed(0)}`,
    '',
    '',
    '',
  ]);
} finally {
  rmSync(state, { recursive: true, force: true });
  rmSync(files, { recursive: true, force: true });
}
