// Upload and listing benchmarks, each printed beside its baseline or goal (see packages/docs/guide/uploads.md):
//   1. a 100 MB tus upload through the full Worker (tus-js-client, 10 MB chunks) vs a bare Worker putting the
//      same bytes into R2, both on loopback; RSS of each dev server before and after, and its peak. The file
//      is a JPEG with GPS/EXIF in its header (`BENCH_UPLOAD_KIND=png`: a PNG, refused above the in-memory
//      ingest limit), so ingest strips it on the bounded path;
//   2. GET /v1/images (50 per page) and an FTS search over 100,000 images: p50 latency (`BENCH_IMAGES=0` skips).
// Run from the repository root: `pnpm --filter @pixelflare/bench uploads`. Uses its own temporary local state.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { bigJpeg, png } from '../lib/images.mjs';
import { localState, p50, printHeader, readDevVars, table, workerdMemory } from '../lib/runner.mjs';
import { tusUpload } from '../lib/tus.mjs';

const UPLOAD_MB = Number(process.env.BENCH_UPLOAD_MB ?? 100);
const IMAGES = Number(process.env.BENCH_IMAGES ?? 100_000);
const KIND = process.env.BENCH_UPLOAD_KIND ?? 'jpeg';
const local = await localState('uploads');
const { base } = local;
const vars = { ...readDevVars(), RATE_LIMIT_ENABLED: 'false', PUBLIC_API_URL: base };

/** A valid PNG of `size` bytes: a 4×3 image plus a private ancillary chunk of filler that decoders skip. */
function bigPng(size) {
  const empty = png(4, 3);
  // 12 bytes of chunk length, type and CRC around the filler.
  return png(4, 3, { extra: [['prVt', randomBytes(size - empty.length - 12)]] });
}

async function benchListing() {
  console.log(`Inserting ${IMAGES} images …`);
  local.sql(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${IMAGES})
     INSERT INTO images (id, short_id, owner_id, album_slug, filename, content_type, bytes, width, height, storage_key, title, is_private, is_animated, is_encrypted, nsfw, status, backup_status, created_at, updated_at)
     SELECT printf('img_b%012d', i), printf('b%07d', i), 'usr_bench', 'default', printf('photo-%d.jpg', i), 'image/jpeg', 1000 + i, 800, 600,
            printf('usr_bench/default/img_b%012d/original.jpg', i),
            (CASE i % 5 WHEN 0 THEN 'sunset over the sea' WHEN 1 THEN 'mountain lake' WHEN 2 THEN 'city lights' WHEN 3 THEN 'forest trail' ELSE 'desert dunes' END) || ' ' || (i % 1000),
            0, 0, 0, 0, 'ready', 'none', 1767225600000 + i * 1000, 1767225600000 + i * 1000 FROM n`,
  );
  const worker = await local.startWorker({ vars });
  const floor = await p50(`${base}/v1/usage`, auth);
  const firstPage = await p50(`${base}/v1/images?limit=50`, auth);
  const page = await (await fetch(`${base}/v1/images?limit=50`, { headers: auth })).json();
  const nextPage = page.next_cursor
    ? await p50(`${base}/v1/images?limit=50&cursor=${page.next_cursor}`, auth)
    : NaN;
  const bySize = await p50(`${base}/v1/images?limit=50&sort=size`, auth);
  const search = await p50(`${base}/v1/images?limit=50&q=sunset%20sea`, auth);
  const rare = await p50(`${base}/v1/images?limit=50&q=lake%20417`, auth);
  await local.stopWorker(worker);
  return { floor, firstPage, nextPage, bySize, search, rare };
}

let auth;
try {
  console.log(`Preparing local state in ${local.dir} …`);
  local.migrate();
  local.addUser({ id: 'usr_bench', slug: 'bench', plan: 'pro' });
  const key = local.addApiKey({ ownerId: 'usr_bench', scopes: ['images:read', 'images:write'] });
  auth = { Authorization: `Bearer ${key}` };
  const file = KIND === 'png' ? bigPng(UPLOAD_MB * 1024 * 1024) : bigJpeg(UPLOAD_MB * 1024 * 1024);

  // 1. tus through the Worker.
  let worker = await local.startWorker({ vars });
  await fetch(`${base}/v1/status`);
  const before = workerdMemory(worker);
  const tusStart = performance.now();
  await tusUpload(file, {
    base,
    headers: auth,
    metadata: { filename: `bench.${KIND === 'png' ? 'png' : 'jpg'}` },
    onChunk: (sent) => {
      if (process.env.BENCH_VERBOSE)
        console.log(`sent ${sent} at ${(performance.now() - tusStart).toFixed(0)} ms`);
    },
  });
  const tusSeconds = (performance.now() - tusStart) / 1000;
  const after = workerdMemory(worker);
  await local.stopWorker(worker);

  // 1b. The baseline: a bare Worker putting the same bytes into R2.
  writeFileSync(
    path.join(local.dir, 'baseline-put.js'),
    `export default { async fetch(request, env) { await env.IMAGES_BUCKET.put('bench/raw', request.body); return new Response('ok'); } };`,
  );
  writeFileSync(
    path.join(local.dir, 'wrangler.baseline-put.toml'),
    `name = "pixelflare-bench-put"\nmain = "baseline-put.js"\ncompatibility_date = "2026-11-01"\n[[r2_buckets]]\nbinding = "IMAGES_BUCKET"\nbucket_name = "pixelflare-images"\n`,
  );
  worker = await local.startWorker({ config: path.join(local.dir, 'wrangler.baseline-put.toml') });
  const rawBefore = workerdMemory(worker);
  const rawStart = performance.now();
  const raw = await fetch(`${base}/`, {
    method: 'PUT',
    body: file,
    headers: { 'Content-Length': String(file.length) },
  });
  if (!raw.ok) throw new Error(`raw put answered ${raw.status}`);
  const rawSeconds = (performance.now() - rawStart) / 1000;
  const rawAfter = workerdMemory(worker);
  await local.stopWorker(worker);

  // 2. Listing and search over many images (generated in SQL; the FTS triggers index each row).
  const listing = IMAGES > 0 ? await benchListing() : null;

  printHeader('Upload and listing benchmarks (loopback, local wrangler dev)');
  const row = table(['', 'Pixelflare', 'baseline', 'ratio', 'goal'], { first: 46 });
  row.compare(
    `${UPLOAD_MB} MB tus upload (10 MB chunks), MB/s`,
    UPLOAD_MB / tusSeconds,
    UPLOAD_MB / rawSeconds,
    {
      note: '(raw R2 put)',
      goal: '≥ 0.6×',
    },
  );
  row([
    `dev server workerd RSS MB, before → after (${KIND})`,
    `${before.rss.toFixed(0)} → ${after.rss.toFixed(0)}`,
    `${rawBefore.rss.toFixed(0)} → ${rawAfter.rss.toFixed(0)} (raw R2 put)`,
    '',
    '',
  ]);
  row.compare('dev server workerd RSS growth MB', after.rss - before.rss, rawAfter.rss - rawBefore.rss, {
    note: '(raw R2 put)',
    goal: '≤ 1.2×',
  });
  row([
    'dev server workerd peak RSS MB (VmHWM)',
    after.peak.toFixed(0),
    `${rawAfter.peak.toFixed(0)} (raw R2 put)`,
    '',
    '',
  ]);
  if (listing) {
    const { floor, firstPage, nextPage, bySize, search, rare } = listing;
    const vsFloor = (label, value, goal = '') =>
      row.compare(label, value, floor, { note: '(GET /v1/usage)', digits: 1, goal });
    vsFloor(`GET /v1/images first page of ${IMAGES}, p50 ms`, firstPage, '≤ 1.2×');
    vsFloor('GET /v1/images next page (cursor), p50 ms', nextPage, '≤ 1.2×');
    vsFloor('GET /v1/images sort=size, p50 ms', bySize);
    vsFloor('FTS q=sunset sea (20% of rows), p50 ms', search, '≤ 2×');
    vsFloor('FTS q=lake 417 (rare), p50 ms', rare, '≤ 2×');
  }
} finally {
  local.cleanup();
}
