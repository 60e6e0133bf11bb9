// Soak: bounded mixed traffic against the local dev server (wrangler dev, loopback only, its own temporary
// state), for `--minutes N` (default 30; SOAK_MINUTES too) at `--concurrency C` (default 6):
//   uploads of every kind (one-shot, two-step, tus), CDN hits and misses, listings, and webhooks delivered to a
//   local receiver. Every 10 s it samples each workerd process's resident memory (VmRSS) and the Worker's own
//   JS heap through the inspector (in use; and every minute live, after a full collection, from a heap
//   snapshot: the product's objects, apart from the simulator's memory), then prints the curves, the heap's
//   largest growth by constructor between the first snapshot after warm-up and the last, the error count by
//   operation, and the final consistency check of D1 against R2 (every ready row's original
//   is stored, every original has a row). Run from the repository root: `pnpm --filter @pixelflare/bench soak
//   -- --minutes 5`. See packages/docs/guide/reliability.md for a run's numbers.
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { png } from '../lib/images.mjs';
import { freePort, localState, printHeader, readDevVars, sleep, workerdMemory } from '../lib/runner.mjs';
import { heapGrowth, Inspector, listeningPorts } from '../lib/inspector.mjs';

const { values: flags } = parseArgs({
  // `pnpm --filter @pixelflare/bench soak -- --minutes 5` passes the `--` on.
  args: process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === '--')),
  options: {
    minutes: { type: 'string', default: process.env.SOAK_MINUTES ?? '30' },
    concurrency: { type: 'string', default: process.env.SOAK_CONCURRENCY ?? '6' },
  },
});
const MINUTES = Number(flags.minutes);
const CONCURRENCY = Number(flags.concurrency);
const SAMPLE_MS = 10_000;
if (!(MINUTES > 0 && MINUTES <= 24 * 60)) throw new Error('--minutes must be between 0 and 1440');

/**
 * The server runs from a snapshot of the committed tree (git archive HEAD): wrangler dev rebuilds and restarts on
 * every source change, and a working tree others edit would restart it mid-run and cut the memory curve.
 */
const local = await localState('soak', { snapshot: true });
const { base } = local;
const INSPECTOR_PORT = await freePort();
const devVars = readDevVars();

// The local webhook receiver (loopback): counts what arrives.
let webhooksReceived = 0;
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    webhooksReceived += 1;
    res.writeHead(200).end('ok');
  });
});
// Longer than workerd keeps an idle connection for reuse: Node's 5 s default closes sockets workerd is about to
// reuse, and the delivery fails with "Network connection lost" (then retried): the receiver's fault, not ours.
receiver.keepAliveTimeout = 120_000;
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const receiverUrl = `http://127.0.0.1:${receiver.address().port}/hook`;

const vars = {
  ...devVars,
  RATE_LIMIT_ENABLED: 'false',
  PUBLIC_API_URL: base,
  ALLOW_PRIVATE_WEBHOOK_TARGETS: 'true',
};

/**
 * The Worker's V8 inspector, one session for the whole run (through wrangler's proxy on INSPECTOR_PORT, which
 * buffers the Worker's console events while no client is attached). `Runtime.getHeapUsage` every sample: the
 * heap in use, garbage included. `HeapProfiler.collectGarbage` is never answered by workerd (V8 runs it as a
 * task workerd's inspector does not pump), so the live heap after a full collection comes from a heap snapshot
 * (V8 collects before it writes one): every SNAPSHOT_EVERY samples, and at the start and the end, whose
 * summaries by constructor are compared.
 */
const SNAPSHOT_EVERY = 12;
let inspector = null;
async function connectInspector() {
  try {
    const targets = await (await fetch(`http://127.0.0.1:${INSPECTOR_PORT}/json`)).json();
    inspector = await Inspector.connect(targets[0].webSocketDebuggerUrl, {
      headers: { Origin: `http://127.0.0.1:${INSPECTOR_PORT}` },
    });
  } catch (error) {
    console.log(`(the Worker's inspector could not be reached: ${error})`);
  }
}
/** The heap in use (MB, garbage included), or NaN. */
async function heapInUseMb() {
  if (!inspector) return NaN;
  try {
    return (await inspector.send('Runtime.getHeapUsage')).usedSize / 1024 / 1024;
  } catch (error) {
    console.log(`(Runtime.getHeapUsage failed: ${error})`);
    return NaN;
  }
}
/** A heap snapshot's summary (its total is the live heap after a full collection), or null. */
async function heapSnapshot() {
  if (!inspector) return null;
  try {
    return await inspector.heapSummary();
  } catch (error) {
    console.log(`(the heap snapshot failed: ${error})`);
    return null;
  }
}

/** A unique small PNG (random pixels, so no two uploads deduplicate), `side` pixels square. */
const uniquePng = (side) =>
  png(side, side, {
    rows: Buffer.concat(
      Array.from({ length: side }, () => Buffer.concat([Buffer.from([0]), randomBytes(side * 3)])),
    ),
  });

console.log(
  `Soak: ${MINUTES} min at concurrency ${CONCURRENCY}; state in ${local.dir}; wrangler log ${local.logPath}`,
);
local.migrate();
local.addUser({ id: 'usr_soak', slug: 'soak', plan: 'pro' });
const key = local.addApiKey({
  ownerId: 'usr_soak',
  scopes: ['images:read', 'images:write', 'images:delete', 'albums:read', 'albums:write', 'webhooks:manage'],
});
const auth = { Authorization: `Bearer ${key}` };

const worker = await local.startWorker({ vars, inspectorPort: INSPECTOR_PORT, ready: '/v1/status' });
await connectInspector();
/**
 * Which workerd is which: wrangler's proxy (it listens on the dev port and the inspector port) and the runtime
 * (the Worker with its Durable Objects and queue consumers, and Miniflare's D1, R2, KV, Queues, Cache and Images
 * simulators).
 */
/** Roles by pid; a workerd that appears later (wrangler restarted its runtime) is the runtime. */
const roles = Object.fromEntries(
  Object.keys(workerdMemory(worker).byPid).map((pid) => {
    let ports = [];
    try {
      ports = listeningPorts(pid);
    } catch {
      // gone
    }
    return [pid, ports.includes(local.port) || ports.includes(INSPECTOR_PORT) ? 'proxy' : 'runtime'];
  }),
);
const hook = await fetch(`${base}/v1/webhooks`, {
  method: 'POST',
  headers: { ...auth, 'Content-Type': 'application/json' },
  body: JSON.stringify({ url: receiverUrl }),
});
if (!hook.ok) throw new Error(`webhook creation answered ${hook.status}: ${await hook.text()}`);

/** Ready images' CDN paths, for hits and misses. */
const uploaded = [];
const counts = {};
const errors = {};
const failures = [];
const note = (op, ok, detail) => {
  counts[op] = (counts[op] ?? 0) + 1;
  if (ok) return;
  errors[op] = (errors[op] ?? 0) + 1;
  if (failures.length < 20) failures.push(`${op}: ${detail}`);
};
const filename = () => `soak-${randomBytes(6).toString('hex')}.png`;
const remember = (image) => image?.filename && uploaded.push(`/cdn/soak/default/${image.filename}`);

const operations = [
  // [weight, name, run]
  [
    3,
    'upload one-shot',
    async () => {
      const form = new FormData();
      form.set('file', new Blob([uniquePng(48)], { type: 'image/png' }), filename());
      const response = await fetch(`${base}/v1/upload`, { method: 'POST', headers: auth, body: form });
      const body = await response.json();
      if (response.status === 201) remember(body);
      return [response.status === 201, response.status];
    },
  ],
  [
    2,
    'upload two-step',
    async () => {
      const start = await fetch(`${base}/v1/images`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ filename: filename() }),
      });
      if (start.status !== 201) return [false, `start ${start.status}`];
      const { upload_url } = await start.json();
      const put = await fetch(upload_url, {
        method: 'PUT',
        body: uniquePng(40),
        headers: { 'Content-Type': 'image/png' },
      });
      const body = await put.json();
      if (put.ok) remember(body);
      return [put.ok, put.status];
    },
  ],
  [
    2,
    'upload tus',
    async () => {
      const file = uniquePng(56);
      const create = await fetch(`${base}/v1/uploads/tus`, {
        method: 'POST',
        headers: {
          ...auth,
          'Tus-Resumable': '1.0.0',
          'Upload-Length': String(file.length),
          'Upload-Metadata': `filename ${Buffer.from(filename()).toString('base64')}`,
        },
      });
      await create.arrayBuffer();
      if (create.status !== 201) return [false, `create ${create.status}`];
      const patch = await fetch(create.headers.get('Location'), {
        method: 'PATCH',
        headers: {
          ...auth,
          'Tus-Resumable': '1.0.0',
          'Upload-Offset': '0',
          'Content-Type': 'application/offset+octet-stream',
        },
        body: file,
      });
      await patch.arrayBuffer();
      return [patch.status === 204, patch.status];
    },
  ],
  [
    6,
    'cdn hit',
    async () => {
      if (uploaded.length === 0) return [true, 'skip'];
      const path = uploaded[Math.floor(Math.random() * Math.min(uploaded.length, 20))];
      const response = await fetch(`${base}${path}/w128`, { headers: { Accept: 'image/webp' } });
      await response.arrayBuffer();
      return [response.ok, response.status];
    },
  ],
  [
    3,
    'cdn miss',
    async () => {
      if (uploaded.length === 0) return [true, 'skip'];
      const path = uploaded[Math.floor(Math.random() * uploaded.length)];
      const width = 16 + Math.floor(Math.random() * 200);
      const response = await fetch(`${base}${path}?w=${width}&f=png`);
      await response.arrayBuffer();
      return [response.ok, response.status];
    },
  ],
  [
    3,
    'listing',
    async () => {
      const response = await fetch(`${base}/v1/images?limit=50`, { headers: auth });
      await response.arrayBuffer();
      return [response.ok, response.status];
    },
  ],
];
const totalWeight = operations.reduce((sum, [weight]) => sum + weight, 0);
const pick = () => {
  let r = Math.random() * totalWeight;
  for (const op of operations) if ((r -= op[0]) < 0) return op;
  return operations[0];
};

const started = Date.now();
const deadline = started + MINUTES * 60_000;
const samples = [];
const snapshots = [];
let sampling = Promise.resolve();
async function sample(snapshot = samples.length % SNAPSHOT_EVERY === 0) {
  const rss = workerdMemory(worker).byPid;
  const inUse = await heapInUseMb();
  const summary = snapshot ? await heapSnapshot() : null;
  if (summary) snapshots.push(summary);
  const requests = Object.values(counts).reduce((a, b) => a + b, 0);
  samples.push({
    t: Math.round((Date.now() - started) / 1000),
    rss,
    inUse,
    live: summary ? summary.totalBytes / 1024 / 1024 : NaN,
    requests,
  });
}
await sample(true);
// One sample at a time: a snapshot can take longer than the interval on a loaded machine.
const sampler = setInterval(() => {
  sampling = sampling.then(() => sample());
}, SAMPLE_MS);

async function lane() {
  while (Date.now() < deadline) {
    const [, name, run] = pick();
    try {
      const [ok, detail] = await run();
      note(name, ok, detail);
    } catch (error) {
      note(name, false, String(error));
    }
  }
}
await Promise.all(Array.from({ length: CONCURRENCY }, lane));
clearInterval(sampler);
await sampling;
await sample(true);
inspector?.close();

// Let queued webhooks and variants drain before checking.
await sleep(5000);
const status = await fetch(`${base}/v1/status`);
await status.arrayBuffer();
// What the local asset server sends for the API reference's bundle (served before the Worker runs).
const asset = await fetch(`${base}/v1/docs/assets/standalone.esm.js`);
await asset.arrayBuffer();
const assetHeaders = ['Content-Type', 'X-Content-Type-Options', 'Content-Security-Policy']
  .map((name) => `${name}: ${asset.headers.get(name) ?? '(none)'}`)
  .join(', ');
await local.stopWorker(worker);
receiver.close();

// D1 against R2, read from the local state after the server stopped.
const rows = local
  .sql(
    "SELECT storage_key FROM images WHERE owner_id = 'usr_soak' AND status = 'ready' AND deleted_at IS NULL",
  )
  .map((row) => row.storage_key);
const pendingRows = local.sql(
  "SELECT count(*) AS n FROM images WHERE owner_id = 'usr_soak' AND status != 'ready'",
)[0].n;
const r2Dir = path.join(local.dir, 'v3', 'r2', 'miniflare-R2BucketObject');
const objectKeys = new Set();
for (const file of readdirSync(r2Dir).filter((name) => name.endsWith('.sqlite'))) {
  const db = new DatabaseSync(path.join(r2Dir, file), { readOnly: true });
  // One database per bucket holds the objects; others (Durable Object metadata) have no such table.
  const hasObjects = db.prepare("SELECT 1 FROM sqlite_master WHERE name = '_mf_objects'").get();
  if (hasObjects)
    for (const { key: objectKey } of db.prepare('SELECT key FROM _mf_objects').all())
      objectKeys.add(objectKey);
  db.close();
}
const originals = [...objectKeys].filter((k) => k.startsWith('usr_soak/') && /\/original\.[a-z]+$/.test(k));
const rowSet = new Set(rows);
const rowsWithoutObject = rows.filter((k) => !objectKeys.has(k));
const objectsWithoutRow = originals.filter((k) => !rowSet.has(k));

// Report.
const pids = [...new Set(samples.flatMap((s) => Object.keys(s.rss)))];

const total = (s) => Object.values(s.rss).reduce((a, b) => a + b, 0);
printHeader(
  `Soak: ${MINUTES} min of mixed traffic at concurrency ${CONCURRENCY} (loopback, local wrangler dev)`,
);
console.log(
  `Memory every ${SAMPLE_MS / 1000} s (MB): workerd RSS per process; the Worker's JS heap in use (garbage included),`,
);
console.log(`and its live heap after a full collection (a heap snapshot, every ${SNAPSHOT_EVERY} samples)`);
console.log(
  [
    't (s)',
    'requests',
    ...pids.map((p) => `${roles[p] ?? 'runtime'} ${p}`),
    'rss total',
    'heap in use',
    'heap live',
  ]
    .map((c) => c.padEnd(14))
    .join(''),
);
for (const s of samples) {
  console.log(
    [
      s.t,
      s.requests,
      ...pids.map((p) => (s.rss[p] ?? NaN).toFixed(0)),
      total(s).toFixed(0),
      s.inUse.toFixed(1),
      Number.isNaN(s.live) ? '' : s.live.toFixed(1),
    ]
      .map((c) => String(c).padEnd(14))
      .join(''),
  );
}
// Baseline: the first snapshot after warm-up (the second), else the first sample.
const withLive = samples.filter((s) => !Number.isNaN(s.live));
const first = samples[1] ?? samples[0];
const last = samples.at(-1);
const liveFirst = withLive[1] ?? withLive[0];
const liveLast = withLive.at(-1);
const requests = last.requests;
const perTenK = (delta, from, to = last) =>
  ((delta / Math.max(1, to.requests - from.requests)) * 10_000).toFixed(1);
const errorTotal = Object.values(errors).reduce((a, b) => a + b, 0);
console.log(`\nSummary (baseline: the first sample after warm-up)`);
console.log(
  `requests            ${requests} in ${MINUTES} min (${(requests / (MINUTES * 60)).toFixed(1)}/s)`,
);
for (const [name] of operations.map(([, n]) => [n]))
  console.log(`  ${name.padEnd(18)}${counts[name] ?? 0} (errors ${errors[name] ?? 0})`);
console.log(`errors              ${errorTotal}${failures.length ? `: ${failures.join('; ')}` : ''}`);
for (const pid of pids) {
  // Each process from its own first sample after warm-up to its last (a restarted runtime is a new pid).
  const own = samples.filter((s) => s.rss[pid] !== undefined);
  const from = own[1] ?? own[0];
  const to = own.at(-1);
  console.log(
    `RSS ${(roles[pid] ?? 'runtime').padEnd(8)}${pid.padEnd(8)}${from.rss[pid].toFixed(0)} -> ${to.rss[pid].toFixed(0)} MB at t=${from.t}..${to.t} s (${perTenK(to.rss[pid] - from.rss[pid], from, to)} MB per 10,000 requests)`,
  );
}
console.log(
  `workerd RSS total   ${total(first).toFixed(0)} -> ${total(last).toFixed(0)} MB (${perTenK(total(last) - total(first), first)} MB per 10,000 requests)`,
);
if (liveFirst && liveLast && liveFirst !== liveLast) {
  console.log(
    `Worker live heap    ${liveFirst.live.toFixed(1)} -> ${liveLast.live.toFixed(1)} MB at t=${liveFirst.t}..${liveLast.t} s (${perTenK(liveLast.live - liveFirst.live, liveFirst, liveLast)} MB per 10,000 requests)`,
  );
  const before = snapshots[withLive.indexOf(liveFirst)];
  const after = snapshots.at(-1);
  console.log(`Largest growth between those snapshots (self size by constructor or kind):`);
  for (const row of heapGrowth(before, after, 12))
    console.log(
      `  ${row.key.padEnd(50)}${(row.bytes / 1024).toFixed(0).padStart(8)} KB ${String(row.count).padStart(7)} objects (now ${(row.after.bytes / 1024).toFixed(0)} KB)`,
    );
} else console.log(`Worker live heap    not measured (fewer than two heap snapshots)`);
console.log(`webhooks received   ${webhooksReceived}`);
console.log(`status at the end   ${status.status}`);
console.log(`/v1/docs/assets     ${asset.status}; ${assetHeaders}`);
console.log(
  `consistency         ${rows.length} ready rows, ${originals.length} originals in R2, ${pendingRows} rows not ready; rows without object: ${rowsWithoutObject.length}, objects without row: ${objectsWithoutRow.length}`,
);
local.cleanup();
process.exit(errorTotal === 0 && rowsWithoutObject.length === 0 && objectsWithoutRow.length === 0 ? 0 : 1);
