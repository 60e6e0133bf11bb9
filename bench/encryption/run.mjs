// Encryption at rest end to end in workerd (see packages/docs/guide/encryption.md, "What it costs in numbers"): a
// 100 MB (BENCH_UPLOAD_MB) JPEG uploaded with tus (tus-js-client, 10 MB chunks; the streamed ingest path, which
// strips its metadata and, encrypted, seals it in 64 KiB segments as it streams) and downloaded again, encrypted
// beside the same bytes unencrypted, printed side by side: throughput and the dev server's workerd memory (RSS
// before → after and its peak, VmHWM). Each phase runs on a freshly started dev server, so each peak is that
// phase's own. Downloads, each read to the end: the owner's GET /v1/images/{id}/download (decrypted as it streams
// when encrypted) and the CDN original (unencrypted: its public short URL; encrypted: a token URL, never cached).
// The Worker's own live heap (after a GC, through the inspector) is read idle and halfway through the API
// download, with reading paused. BENCH_ROUNDS (default 1) repeats every phase, alternating which kind goes first; the median is printed.
// Run from the repository root: `pnpm --filter @pixelflare/bench encryption`. Uses its own temporary local state.
// The PFSE format's own cost in Node (no Worker): `pnpm --filter @pixelflare/bench encryption:format`.
import { bigJpeg } from '../lib/images.mjs';
import {
  freePort,
  localState,
  median,
  printHeader,
  readDevVars,
  table,
  workerdMemory,
  workerHeap,
} from '../lib/runner.mjs';
import { tusUpload } from '../lib/tus.mjs';

const UPLOAD_MB = Number(process.env.BENCH_UPLOAD_MB ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const local = await localState('encryption');
const { base } = local;
const vars = { ...readDevVars(), RATE_LIMIT_ENABLED: 'false', PUBLIC_API_URL: base };
let auth;

const api = async (pathname, init = {}) => {
  const response = await fetch(`${base}${pathname}`, { ...init, headers: { ...auth, ...init.headers } });
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${pathname} answered ${response.status}`);
  return response.json();
};

/**
 * Reads `url` to the end; answers seconds and bytes (throws on anything but 200). `midway`: called once half the
 * bytes are in, with reading paused (so the Worker holds what its streams buffer, no more); its time is not
 * counted.
 */
async function download(url, headers = {}, midway = null, expectedBytes = NaN) {
  const start = performance.now();
  const response = await fetch(url, { headers });
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  // A decrypted answer is streamed without a length: the image's size says where half is.
  const size = Number(response.headers.get('Content-Length') ?? expectedBytes);
  let bytes = 0;
  let paused = 0;
  let sampled = NaN;
  let asked = false;
  for await (const chunk of response.body) {
    bytes += chunk.length;
    if (midway && !asked && bytes >= size / 2) {
      asked = true;
      const pauseStart = performance.now();
      sampled = await midway();
      paused += performance.now() - pauseStart;
    }
  }
  return { seconds: (performance.now() - start - paused) / 1000, bytes, sampled };
}

/** One tus upload of `file` on a fresh dev server: seconds, memory, the image. */
async function uploadPhase(file, encrypt) {
  const worker = await local.startWorker({ vars, ready: '/v1/status' });
  try {
    const before = workerdMemory(worker);
    const start = performance.now();
    const imageId = await tusUpload(file, {
      base,
      headers: auth,
      metadata: {
        filename: `bench-${encrypt ? 'encrypted' : 'plain'}.jpg`,
        ...(encrypt ? { encrypt: 'true' } : {}),
      },
    });
    // The last PATCH answers once ingest (stripping, and encryption) has stored the original.
    const seconds = (performance.now() - start) / 1000;
    const after = workerdMemory(worker);
    const image = await api(`/v1/images/${imageId}`);
    if (image.is_encrypted !== encrypt)
      throw new Error(`image ${imageId}: is_encrypted ${image.is_encrypted}`);
    return { image, seconds, before, after };
  } finally {
    await local.stopWorker(worker);
  }
}

/** The Worker's live heap (MB, from a heap snapshot); NaN if unreadable. */
async function liveHeap(inspectorPort) {
  try {
    return (await workerHeap(inspectorPort)).usedMb;
  } catch (error) {
    console.log(`(the Worker's heap could not be read through the inspector: ${error})`);
    return NaN;
  }
}

/**
 * Both downloads of `image` on a fresh dev server: API and CDN seconds, workerd memory, and the Worker's live
 * heap idle and halfway through the API download.
 */
async function downloadPhase(image) {
  const inspectorPort = await freePort();
  const worker = await local.startWorker({ vars, ready: '/v1/status', inspectorPort });
  try {
    // The CDN URL: plain for an unencrypted image; an encrypted one has none (urls null), only token links.
    const cdnUrl = image.is_encrypted
      ? (
          await api(`/v1/images/${image.id}/access-token`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ rendition: 'original' }),
          })
        ).url
      : image.urls.short;
    // The inspector's first answer on a fresh dev server can take longer than its timeout: asked twice.
    const heapIdle = (await liveHeap(inspectorPort)) || (await liveHeap(inspectorPort));
    const before = workerdMemory(worker);
    const viaApi = await download(
      `${base}/v1/images/${image.id}/download`,
      auth,
      () => liveHeap(inspectorPort),
      image.bytes,
    );
    const viaCdn = await download(cdnUrl);
    const after = workerdMemory(worker);
    if (viaApi.bytes !== viaCdn.bytes)
      throw new Error(`API ${viaApi.bytes} bytes, CDN ${viaCdn.bytes} bytes`);
    return { api: viaApi, cdn: viaCdn, before, after, heapIdle, heapMidway: viaApi.sampled };
  } finally {
    await local.stopWorker(worker);
  }
}

try {
  console.log(`Preparing local state in ${local.dir} …`);
  local.migrate();
  local.addUser({ id: 'usr_bench', slug: 'bench', plan: 'pro' });
  const key = local.addApiKey({
    ownerId: 'usr_bench',
    scopes: ['images:read', 'images:write', 'keys:manage'],
  });
  auth = { Authorization: `Bearer ${key}` };
  {
    const worker = await local.startWorker({ vars, ready: '/v1/status' });
    await api('/v1/encryption/enable', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    await local.stopWorker(worker);
  }
  const results = { plain: { up: [], down: [] }, encrypted: { up: [], down: [] } };
  for (let round = 0; round < ROUNDS; round++) {
    // Distinct bytes each round (no duplicate answer), the same bytes for both kinds within a round.
    const file = bigJpeg(UPLOAD_MB * 1024 * 1024);
    const kinds = round % 2 === 0 ? ['plain', 'encrypted'] : ['encrypted', 'plain'];
    for (const kind of kinds) {
      console.log(`Round ${round + 1}: ${kind} upload …`);
      const up = await uploadPhase(file, kind === 'encrypted');
      console.log(`Round ${round + 1}: ${kind} downloads …`);
      results[kind].up.push(up);
      results[kind].down.push(await downloadPhase(up.image));
    }
  }

  const mbps = (phases, pick) => median(phases.map((phase) => UPLOAD_MB / pick(phase).seconds));
  const mem = (phases, pick) => median(phases.map(pick));
  const { plain, encrypted } = results;
  printHeader(
    `Encryption at rest, end to end (${UPLOAD_MB} MB JPEG, loopback, local wrangler dev, ${ROUNDS} round(s))`,
  );
  const row = table(['', 'encrypted', 'unencrypted', 'ratio'], { first: 52 });
  row.compare(
    'tus upload (10 MB chunks, until stored), MB/s',
    mbps(encrypted.up, (p) => p),
    mbps(plain.up, (p) => p),
    { digits: 1 },
  );
  row.compare(
    'download GET /v1/images/{id}/download, MB/s',
    mbps(encrypted.down, (p) => p.api),
    mbps(plain.down, (p) => p.api),
    { digits: 1 },
  );
  row.compare(
    'download CDN original (token URL / public URL), MB/s',
    mbps(encrypted.down, (p) => p.cdn),
    mbps(plain.down, (p) => p.cdn),
    { digits: 1 },
  );
  row.compare(
    'upload: workerd peak RSS MB (VmHWM)',
    mem(encrypted.up, (p) => p.after.peak),
    mem(plain.up, (p) => p.after.peak),
  );
  row.compare(
    'upload: workerd RSS growth MB (after − before)',
    mem(encrypted.up, (p) => p.after.rss - p.before.rss),
    mem(plain.up, (p) => p.after.rss - p.before.rss),
  );
  row.compare(
    'download: workerd peak RSS MB (VmHWM)',
    mem(encrypted.down, (p) => p.after.peak),
    mem(plain.down, (p) => p.after.peak),
  );
  row.compare(
    'download: workerd RSS growth MB (after − before)',
    mem(encrypted.down, (p) => p.after.rss - p.before.rss),
    mem(plain.down, (p) => p.after.rss - p.before.rss),
  );
  row([
    "download: the Worker's live heap MB, idle → halfway",
    `${mem(encrypted.down, (p) => p.heapIdle).toFixed(1)} → ${mem(encrypted.down, (p) => p.heapMidway).toFixed(1)}`,
    `${mem(plain.down, (p) => p.heapIdle).toFixed(1)} → ${mem(plain.down, (p) => p.heapMidway).toFixed(1)}`,
    '',
  ]);
  row([
    'idle workerd RSS MB before each upload / download',
    `${mem(encrypted.up, (p) => p.before.rss).toFixed(0)} / ${mem(encrypted.down, (p) => p.before.rss).toFixed(0)}`,
    `${mem(plain.up, (p) => p.before.rss).toFixed(0)} / ${mem(plain.down, (p) => p.before.rss).toFixed(0)}`,
    '',
  ]);
} finally {
  local.cleanup();
}
