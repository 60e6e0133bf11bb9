// The shared bench runner: a local dev server on its own temporary state and port, the autocannon wrapper, timing
// helpers, workerd memory, and the printed report (a header naming the machine, the date and the commit, then each
// figure beside its baseline with the ratio). Every bench under bench/ that runs `wrangler dev` uses it.
import { createHmac, randomBytes } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { Inspector } from './inspector.mjs';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
/** Seconds each autocannon run lasts (`BENCH_SECONDS`, default 10). */
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
export const CONNECTIONS = 10;

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it answers truthy (a throw counts as not yet); fails after `timeoutMs`. */
export async function waitUntil(what, check, timeoutMs, intervalMs = 250) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (
      await Promise.resolve()
        .then(check)
        .catch(() => false)
    )
      return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** A port nothing listens on now (loopback). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The repository's `.dev.vars` as an object (what `wrangler dev` would read), quotes removed. */
export function readDevVars() {
  return Object.fromEntries(
    readFileSync(path.join(repoRoot, '.dev.vars'), 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => {
        const at = line.indexOf('=');
        return [line.slice(0, at), line.slice(at + 1).replaceAll('"', '')];
      }),
  );
}

/** `{ NAME: value }` as `wrangler dev` arguments (`--var NAME:value` each). */
export const varArgs = (vars) =>
  Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]);

/** Resident memory now (VmRSS, summed) and at peak (VmHWM, largest) of a dev server's workerd processes, in MB. */
export function workerdMemory(child) {
  let pids = [];
  try {
    pids = execFileSync('pgrep', ['-g', String(child.pid)], { encoding: 'utf8' })
      .trim()
      .split('\n');
  } catch {
    // no process left in the group
  }
  const byPid = {};
  let rss = 0;
  let peak = 0;
  for (const pid of pids.filter(Boolean)) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      if (!/^Name:\s+workerd/m.test(status)) continue;
      byPid[pid] = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      rss += byPid[pid];
      peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
    } catch {
      // exited
    }
  }
  return { rss, peak, byPid };
}

/**
 * The Worker's live JS heap, through wrangler's inspector proxy on `inspectorPort` (the Chrome DevTools protocol
 * the dashboard's debugger uses): what the product itself keeps alive, whatever the simulator's processes hold.
 * Read from a heap snapshot (V8 collects before it writes one; workerd never answers
 * `HeapProfiler.collectGarbage`). `usedMb`: the snapshot's total. Throws when the inspector cannot be reached.
 */
export async function workerHeap(inspectorPort) {
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const target = targets.find((t) => t.webSocketDebuggerUrl) ?? targets[0];
  const inspector = await Inspector.connect(target.webSocketDebuggerUrl, {
    headers: { Origin: `http://127.0.0.1:${inspectorPort}` },
  });
  try {
    const summary = await inspector.heapSummary();
    return { usedMb: summary.totalBytes / 1024 / 1024 };
  } finally {
    inspector.close();
  }
}

const running = new Set();
/** Stops a process started detached, with everything it started (its process group). */
export function stopGroup(child) {
  running.delete(child);
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}
// A bench that throws or is interrupted leaves no dev server behind.
process.once('exit', () => [...running].forEach(stopGroup));
for (const signal of ['SIGINT', 'SIGTERM'])
  process.once(signal, () => {
    [...running].forEach(stopGroup);
    process.exit(130);
  });

/** Starts a long-running helper process in a group of its own; it is stopped when the bench exits. */
export function spawnGroup(command, args, options) {
  const child = spawn(command, args, { ...options, detached: true });
  running.add(child);
  return child;
}

/**
 * A local Pixelflare on its own temporary state (D1, R2, KV, Queues) and its own free port. `snapshot`: serve a
 * snapshot of the committed tree (git archive HEAD, node_modules linked to the repository's), so that editing the
 * working tree does not make wrangler dev rebuild and restart mid-run.
 */
export async function localState(name, { snapshot = false } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), `pf-bench-${name}-`));
  let root = repoRoot;
  if (snapshot) {
    root = path.join(dir, 'src');
    mkdirSync(root);
    execFileSync('sh', ['-c', `git -C "${repoRoot}" archive HEAD | tar -x -C "${root}"`]);
    const dirs = ['.', ...readdirSync(path.join(repoRoot, 'packages')).map((p) => `packages/${p}`)];
    for (const sub of dirs) {
      const modules = path.join(repoRoot, sub, 'node_modules');
      if (!existsSync(modules) || !existsSync(path.join(root, sub))) continue;
      // Each entry linked to the repository's, except the workspace's own packages (@pixelflare/*): those
      // point into the snapshot, or the bundle would read (and wrangler watch) the working tree's sources.
      const into = path.join(root, sub, 'node_modules');
      mkdirSync(into);
      for (const entry of readdirSync(modules)) {
        if (entry !== '@pixelflare') {
          symlinkSync(path.join(modules, entry), path.join(into, entry));
          continue;
        }
        mkdirSync(path.join(into, entry));
        for (const name of readdirSync(path.join(modules, entry)))
          symlinkSync(path.join(root, 'packages', name), path.join(into, entry, name));
      }
    }
  }
  const port = await freePort();
  const logPath = path.join(tmpdir(), `pf-bench-${name}-wrangler.log`);
  const logFile = openSync(logPath, 'w');
  const wrangler = (...args) =>
    execFileSync('wrangler', args, {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 1e8,
    });
  /** Runs SQL on the local D1; answers the rows of the (last) statement. */
  const sql = (command) =>
    JSON.parse(
      wrangler('d1', 'execute', 'DB', '--local', '--persist-to', dir, '--json', '--command', command),
    ).at(-1).results;
  const local = {
    dir,
    root,
    port,
    base: `http://127.0.0.1:${port}`,
    logPath,
    wrangler,
    sql,
    migrate: () => wrangler('d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', dir),
    addUser({ id, slug, plan = 'free' }) {
      sql(
        `INSERT INTO users (id, slug, is_admin, plan, image_count, storage_bytes, encryption_key_version, created_at, updated_at) VALUES ('${id}', '${slug}', 0, '${plan}', 0, 0, 0, 0, 0)`,
      );
    },
    /** A new API key of `ownerId` with these scopes, stored hashed as the API does; answers the key. */
    addApiKey({ ownerId, scopes, hashSecret = readDevVars().API_HASH_SECRET }) {
      // Alphanumeric only: keeps the key clear of any quoting in SQL and headers.
      let key = '';
      while (!/^pf_[A-Za-z0-9]{43}$/.test(key)) key = `pf_${randomBytes(32).toString('base64url')}`;
      const hash = createHmac('sha256', hashSecret).update(key).digest('hex');
      sql(
        `INSERT INTO api_keys (id, owner_id, name, prefix, key_hash, scopes, created_at) VALUES ('key_${ownerId}', '${ownerId}', 'bench', '${key.slice(0, 10)}', '${hash}', '${JSON.stringify(scopes)}', 0)`,
      );
      return key;
    },
    /** Stores an original in local R2 and its ready row in D1 (no ingest, no variants), as if uploaded. */
    addImage({ id, ownerId, album = 'default', filename, bytes, width, height, contentType = 'image/jpeg' }) {
      const ext = contentType.split('/')[1];
      const key = `${ownerId}/${album}/${id}/original.${ext === 'jpeg' ? 'jpg' : ext}`;
      const file = path.join(dir, `upload-${id}`);
      writeFileSync(file, bytes);
      wrangler(
        'r2',
        'object',
        'put',
        `pixelflare-images/${key}`,
        '--file',
        file,
        '--content-type',
        contentType,
        '--local',
        '--persist-to',
        dir,
      );
      rmSync(file);
      sql(
        `INSERT INTO images (id, short_id, owner_id, album_slug, filename, content_type, bytes, width, height, storage_key, is_private, is_animated, is_encrypted, nsfw, status, backup_status, created_at, updated_at) VALUES ('${id}', '${id.slice(-6)}', '${ownerId}', '${album}', '${filename}', '${contentType}', ${bytes.length}, ${width}, ${height}, '${key}', 0, 0, 0, 0, 'ready', 'none', 0, 0)`,
      );
    },
    /**
     * `wrangler dev --local` of `config` on this state and port, with `vars` over its own; resolves once it
     * answers `ready` with a status below 500.
     */
    async startWorker({ config = 'wrangler.toml', vars = {}, env = {}, inspectorPort, ready = '/' } = {}) {
      // prettier-ignore
      const args = ['dev', '--local', '--port', String(port), '--ip', '127.0.0.1', '--persist-to', dir,
        '--show-interactive-dev-session=false', '--config', config, ...varArgs(vars)];
      if (inspectorPort) args.push('--inspector-port', String(inspectorPort));
      const child = spawnGroup('wrangler', args, {
        cwd: root,
        env: { ...process.env, ...env },
        stdio: ['ignore', logFile, logFile],
      });
      try {
        await waitUntil(
          `wrangler dev (see ${logPath})`,
          async () => {
            if (child.exitCode !== null) throw new Error('exited');
            const response = await fetch(`${local.base}${ready}`);
            await response.arrayBuffer();
            return response.status < 500;
          },
          120_000,
          500,
        );
      } catch (error) {
        stopGroup(child);
        throw error;
      }
      if (child.exitCode !== null) throw new Error(`wrangler dev exited (see ${logPath})`);
      return child;
    },
    async stopWorker(child) {
      stopGroup(child);
      await sleep(1500);
    },
    /** Stops every process this bench started and removes the state. */
    cleanup() {
      [...running].forEach(stopGroup);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return local;
}

/**
 * autocannon against `url`: CONNECTIONS connections for SECONDS seconds unless told otherwise (`amount`: that
 * many requests, however long they take).
 */
export const load = (
  url,
  { headers = {}, connections = CONNECTIONS, duration = SECONDS, amount, ...rest } = {},
) => autocannon({ url, connections, headers, ...(amount ? { amount } : { duration }), ...rest });

/** One request, its body read to the end; answers its wall time and what the CDN said about it. */
export async function timed(url, headers = {}) {
  const start = performance.now();
  const response = await fetch(url, { headers });
  const body = await response.arrayBuffer();
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return {
    ms: performance.now() - start,
    cache: response.headers.get('X-Cache'),
    contentType: response.headers.get('Content-Type'),
    bytes: body.byteLength,
  };
}

/** Wall time of `fn`, in ms. */
export async function timeIt(fn) {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Median latency of `runs` requests after `warmup` unmeasured ones. */
export async function p50(url, headers = {}, runs = 30, warmup = 3) {
  const times = [];
  for (let i = 0; i < runs + warmup; i++) {
    const { ms } = await timed(url, headers);
    if (i >= warmup) times.push(ms);
  }
  return median(times);
}

const loadAtStart = loadavg();
function git(...args) {
  try {
    return execFileSync('git', ['-C', repoRoot, ...args], { encoding: 'utf8', stdio: 'pipe' }).trim();
  } catch {
    return '';
  }
}

/** The machine, the date and the commit a run's figures belong to, under `title`. */
export function printHeader(title) {
  const cores = cpus();
  const load = (values) => values.map((v) => v.toFixed(2)).join(' ');
  const dirty = git('status', '--porcelain', '--untracked-files=no') ? ', with uncommitted changes' : '';
  console.log(`\n${title}`);
  console.log(
    `  machine  ${cores[0]?.model.trim() ?? 'unknown CPU'}, ${cores.length} cores, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB memory; load average ${load(loadAtStart)} at the start, ${load(loadavg())} now`,
  );
  console.log(`  date     ${new Date().toISOString()}`);
  console.log(
    `  commit   ${git('rev-parse', '--short', 'HEAD') || 'unknown'} (${git('log', '-1', '--format=%cs')}${dirty}); Node ${process.version}\n`,
  );
}

/** `value / baseline` as printed: `1.23×`. */
export const ratio = (value, baseline, digits = 2) => `${(value / baseline).toFixed(digits)}×`;

/**
 * A table printer: `row(cells)` prints one line, the first column `first` characters wide, the others `rest`.
 * `row.compare(label, value, baseline, { note, goal, digits })` prints a figure beside its baseline and the ratio.
 */
export function table(headings, { first = 44, rest = 16 } = {}) {
  const row = (cells) =>
    console.log(
      cells
        .map((cell, i) => {
          const text = String(cell);
          const width = i === 0 ? first : rest;
          // A cell wider than its column still gets a space before the next.
          return text.length < width ? text.padEnd(width) : `${text} `;
        })
        .join('')
        .trimEnd(),
    );
  row.compare = (label, value, baseline, { note = '', goal = '', digits = 0 } = {}) =>
    row([
      label,
      value.toFixed(digits),
      baseline.toFixed(digits) + (note ? ` ${note}` : ''),
      ratio(value, baseline),
      goal,
    ]);
  row(headings);
  return row;
}
