// Soak: bounded mixed traffic against the local dev server (wrangler dev, loopback only, its own temporary
// state), for `--minutes N` (default 30; SOAK_MINUTES too) at `--concurrency C` (default 6):
//   uploads of every kind (one-shot, two-step, tus), CDN hits and misses, listings, and webhooks delivered to a
//   local receiver. Every 10 s it samples each workerd process's resident memory (VmRSS) and the Worker's own
//   JS heap through the inspector (Runtime.getHeapUsage after HeapProfiler.collectGarbage: the product's live
//   objects, apart from the simulator's memory), then prints the curve beside the baseline (the first sample),
//   the error count by operation, and the final consistency check of D1 against R2 (every ready row's original
//   is stored, every original has a row). Run from the repository root: `pnpm --filter @pixelflare/bench soak
//   -- --minutes 5`. See packages/docs/guide/reliability.md for a run's numbers.
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { png } from '../lib/images.mjs';
import {
  freePort,
  localState,
  printHeader,
  readDevVars,
  sleep,
  workerdMemory,
  workerHeap,
} from '../lib/runner.mjs';

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

let heapError = false;
/** The Worker's live JS heap in MB (NaN once it could not be read: said once). */
async function workerHeapMb() {
  if (heapError) return NaN;
  try {
    return (await workerHeap(INSPECTOR_PORT)).usedMb;
  } catch (error) {
    console.log(`(the Worker's heap could not be read through the inspector: ${error})`);
    heapError = true;
    return NaN;
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
async function sample() {
  const rss = workerdMemory(worker).byPid;
  const heap = await workerHeapMb();
  const requests = Object.values(counts).reduce((a, b) => a + b, 0);
  samples.push({ t: Math.round((Date.now() - started) / 1000), rss, heap, requests });
}
await sample();
const sampler = setInterval(() => void sample(), SAMPLE_MS);

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
await sample();

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
  `Memory every ${SAMPLE_MS / 1000} s (MB): workerd RSS per process, and the Worker's live JS heap after GC`,
);
console.log(
  ['t (s)', 'requests', ...pids.map((p) => `rss ${p}`), 'rss total', 'worker heap']
    .map((c) => c.padEnd(12))
    .join(''),
);
for (const s of samples) {
  console.log(
    [
      s.t,
      s.requests,
      ...pids.map((p) => (s.rss[p] ?? NaN).toFixed(0)),
      total(s).toFixed(0),
      s.heap.toFixed(1),
    ]
      .map((c) => String(c).padEnd(12))
      .join(''),
  );
}
const first = samples[1] ?? samples[0];
const last = samples.at(-1);
const requests = last.requests;
const perTenK = (delta) => ((delta / Math.max(1, requests - first.requests)) * 10_000).toFixed(1);
const errorTotal = Object.values(errors).reduce((a, b) => a + b, 0);
console.log(`\nSummary (baseline: the first sample after warm-up)`);
console.log(
  `requests            ${requests} in ${MINUTES} min (${(requests / (MINUTES * 60)).toFixed(1)}/s)`,
);
for (const [name] of operations.map(([, n]) => [n]))
  console.log(`  ${name.padEnd(18)}${counts[name] ?? 0} (errors ${errors[name] ?? 0})`);
console.log(`errors              ${errorTotal}${failures.length ? `: ${failures.join('; ')}` : ''}`);
console.log(
  `workerd RSS         ${total(first).toFixed(0)} -> ${total(last).toFixed(0)} MB (${perTenK(total(last) - total(first))} MB per 10,000 requests)`,
);
console.log(
  `Worker JS heap      ${first.heap.toFixed(1)} -> ${last.heap.toFixed(1)} MB (${perTenK(last.heap - first.heap)} MB per 10,000 requests)`,
);
console.log(`webhooks received   ${webhooksReceived}`);
console.log(`status at the end   ${status.status}`);
console.log(`/v1/docs/assets     ${asset.status}; ${assetHeaders}`);
console.log(
  `consistency         ${rows.length} ready rows, ${originals.length} originals in R2, ${pendingRows} rows not ready; rows without object: ${rowsWithoutObject.length}, objects without row: ${objectsWithoutRow.length}`,
);
local.cleanup();
process.exit(errorTotal === 0 && rowsWithoutObject.length === 0 && objectsWithoutRow.length === 0 ? 0 : 1);
