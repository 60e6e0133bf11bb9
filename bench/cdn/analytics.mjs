// Cache-hit throughput with CDN analytics off beside on (the D1 sink, and the Analytics Engine sink, whose points
// local wrangler dev drops), printed in one run. Goal: counting costs at most 3 % of cache-hit requests/s.
// Run from the repository root: `pnpm --filter @pixelflare/bench cdn:analytics`. Uses its own temporary local state.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import sharp from 'sharp';

const root = path.resolve(import.meta.dirname, '../..');
const state = mkdtempSync(path.join(tmpdir(), 'pf-bench-analytics-'));
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNECTIONS = 10;
const PORT = 8793;
const secrets = readFileSync(path.join(root, '.dev.vars'), 'utf8')
  .split('\n')
  .filter((line) => /^[A-Z_]+=/.test(line))
  .map((line) => line.replace('=', ':').replaceAll('"', ''));

const wrangler = (...args) =>
  execFileSync('wrangler', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const sql = (command) =>
  wrangler('d1', 'execute', 'DB', '--local', '--persist-to', state, '--json', '--command', command);
const logFile = openSync(path.join(tmpdir(), 'pf-bench-analytics-wrangler.log'), 'w');

async function startWorker(vars) {
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
      '--config',
      'wrangler.toml',
      ...vars.flatMap((v) => ['--var', v]),
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

async function stopWorker(child) {
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  await new Promise((resolve) => setTimeout(resolve, 1500));
}

const events = () => JSON.parse(sql('SELECT COUNT(*) AS n FROM analytics_events'))[0].results[0].n;

try {
  wrangler('d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state);
  sql(
    "INSERT INTO users (id, slug, is_admin, plan, image_count, storage_bytes, encryption_key_version, created_at, updated_at) VALUES ('usr_bench', 'bench', 0, 'free', 0, 0, 0, 0, 0)",
  );
  const bytes = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#3a7' } })
    .jpeg({ quality: 85 })
    .toBuffer();
  const file = path.join(state, 'photo.jpg');
  (await import('node:fs')).writeFileSync(file, bytes);
  const key = 'usr_bench/default/img_benchanalytics/original.jpg';
  wrangler(
    'r2',
    'object',
    'put',
    `pixelflare-images/${key}`,
    '--file',
    file,
    '--content-type',
    'image/jpeg',
    '--local',
    '--persist-to',
    state,
  );
  sql(
    `INSERT INTO images (id, short_id, owner_id, album_slug, filename, content_type, bytes, width, height, storage_key, is_private, is_animated, is_encrypted, nsfw, status, backup_status, created_at, updated_at) VALUES ('img_benchanalytics', 'bnchan', 'usr_bench', 'default', 'photo.jpg', 'image/jpeg', ${bytes.length}, 800, 600, '${key}', 0, 0, 0, 0, 'ready', 'none', 0, 0)`,
  );
  const common = [...secrets, 'RATE_LIMIT_ENABLED:false'];
  const modes = {
    off: ['ANALYTICS_ENABLED:false'],
    'on (d1 sink)': ['ANALYTICS_SINK:d1'],
    'on (engine sink)': [
      'ANALYTICS_SINK:engine',
      'CLOUDFLARE_ACCOUNT_ID:bench',
      'CLOUDFLARE_ANALYTICS_TOKEN:bench',
    ],
  };
  const url = `http://127.0.0.1:${PORT}/cdn/bench/default/photo.jpg/w256`;
  const results = Object.fromEntries(Object.keys(modes).map((mode) => [mode, []]));
  const counted = {};
  // Rounds alternate the modes so a machine busy with something else slows each about equally.
  for (let round = 0; round < ROUNDS; round++) {
    for (const [mode, vars] of Object.entries(modes)) {
      const before = events();
      const worker = await startWorker([...common, ...vars]);
      for (let i = 0; i < 3; i++)
        await (await fetch(url, { headers: { Accept: 'image/webp' } })).arrayBuffer();
      const cache = (await fetch(url, { headers: { Accept: 'image/webp' } })).headers.get('X-Cache');
      if (cache !== 'hit') throw new Error(`${mode}: expected a cache hit, got ${cache}`);
      const run = await autocannon({
        url,
        connections: CONNECTIONS,
        duration: DURATION,
        headers: { Accept: 'image/webp' },
      });
      results[mode].push(run);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await stopWorker(worker);
      counted[mode] = (counted[mode] ?? 0) + (events() - before) - 0;
      counted[`${mode} requests`] = (counted[`${mode} requests`] ?? 0) + run.requests.total + 4;
    }
  }
  const mean = (runs, pick) => runs.reduce((sum, run) => sum + pick(run), 0) / runs.length;
  const off = mean(results.off, (run) => run.requests.average);
  console.log(
    `\nCDN cache hit with analytics off and on (${CONNECTIONS} connections × ${DURATION} s × ${ROUNDS} rounds, loopback, wrangler dev)\n`,
  );
  const row = (cells) => console.log(cells.map((cell, i) => String(cell).padEnd(i === 0 ? 22 : 16)).join(''));
  row(['', 'requests/s', 'vs off', 'p99 ms', 'rows in D1', 'goal']);
  for (const mode of Object.keys(modes)) {
    const rps = mean(results[mode], (run) => run.requests.average);
    row([
      mode,
      rps.toFixed(0),
      mode === 'off' ? '(baseline)' : `${(((rps - off) / off) * 100).toFixed(1)} %`,
      mean(results[mode], (run) => run.latency.p99).toFixed(0),
      `${counted[mode]} / ${counted[`${mode} requests`]}`,
      mode === 'off' ? '' : '≥ −3 %',
    ]);
  }
} finally {
  rmSync(state, { recursive: true, force: true });
}
