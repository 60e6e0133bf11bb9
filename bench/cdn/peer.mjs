// Pixelflare's CDN beside a real peer, IPX (the sharp-based image optimizer server behind Nuxt Image), in one run:
// the same source files (noise JPEGs of 12 and 2 MP, photo-like to decode), the same transforms (w=1024&format=webp,
// w=256, a 400×400 cover crop), both on loopback. Printed side by side (see packages/docs/guide/cdn.md):
//   - misses: every request a transform not made before (the quality and width stepped per request on both sides):
//     median latency of sequential requests, and requests/s under load;
//   - repeated requests: Pixelflare answering from its cache, IPX recomputing (it keeps no cache), beside a bare
//     Worker streaming the same bytes from R2 (what a cache hit could cost at best).
// Goals (issue 19): a miss no slower than 1.2× IPX's; hits ahead of IPX by the factor the cache should give, i.e.
// at least 0.95× of (bare Worker ÷ IPX). Run from the repository root: `pnpm --filter @pixelflare/bench cdn:peer`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import sharp from 'sharp';
import { noiseJpeg } from '../lib/images.mjs';
import {
  CONNECTIONS,
  SECONDS,
  load,
  localState,
  median,
  printHeader,
  ratio,
  readDevVars,
  spawnGroup,
  table,
  timed,
} from '../lib/runner.mjs';

const SEQUENTIAL = Number(process.env.BENCH_MISSES ?? 5);
const sources = [
  { name: '12mp.jpg', id: 'img_peer12mpaaaaa', width: 4000, height: 3000 },
  { name: '2mp.jpg', id: 'img_peer2mpbbbbbb', width: 1732, height: 1155 },
];
/** Each transform in both spellings; `n` makes the nth distinct one (a miss): quality and width stepped. */
const transforms = [
  {
    label: 'w=1024&format=webp',
    pixelflare: (n = 0) => `w=${1024 - Math.floor(n / 50)}&format=webp${n ? `&q=${40 + (n % 50)}` : ''}`,
    ipx: (n = 0) => `w_${1024 - Math.floor(n / 50)},f_webp,q_${n ? 40 + (n % 50) : 85}`,
  },
  {
    label: 'w=256',
    pixelflare: (n = 0) => `w=${256 - Math.floor(n / 50)}${n ? `&q=${40 + (n % 50)}` : ''}`,
    // The format Pixelflare chose for the same Accept header (set once its first answer is in).
    ipx: (n = 0, format) => `w_${256 - Math.floor(n / 50)},f_${format},q_${n ? 40 + (n % 50) : 85}`,
  },
  {
    label: 'cover crop 400×400',
    pixelflare: (n = 0) => `w=${400 - Math.floor(n / 50)}&h=400&fit=cover${n ? `&q=${40 + (n % 50)}` : ''}`,
    ipx: (n = 0, format) =>
      `s_${400 - Math.floor(n / 50)}x400,fit_cover,f_${format},q_${n ? 40 + (n % 50) : 85}`,
  },
];
const accept = { Accept: 'image/webp,image/*' };

const local = await localState('peer');
const ipxDir = path.join(local.dir, 'ipx');
const pf = (source, query) => `${local.base}/cdn/bench/default/${source.name}?${query}`;

/**
 * autocannon where each request asks for the next distinct transform (`pathOf(n)`, n counted from 1000). A fixed
 * number of requests, about SECONDS' worth at the rate the sequential misses suggest and at least two per
 * connection: a timed run would drop the slow misses still in flight at its end (or count none at all).
 */
function missLoad(origin, pathOf, sequentialMs) {
  let n = 1000;
  const setupRequest = (request) => {
    request.path = pathOf(n++);
    return request;
  };
  const estimate = (availableParallelism() * 1000) / sequentialMs;
  const amount = Math.max(2 * CONNECTIONS, Math.round(estimate * SECONDS));
  return load(origin, { headers: accept, requests: [{ setupRequest }], amount });
}
/** Requests answered per second over the whole run. */
const rps = (run) => run.requests.total / run.duration;

async function startIpx() {
  const child = spawnGroup(process.execPath, [path.join(import.meta.dirname, 'ipx-server.mjs')], {
    env: { ...process.env, IPX_DIR: ipxDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const { port } = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line)));
    child.once('exit', (code) => reject(new Error(`IPX exited with ${code}`)));
  });
  return `http://127.0.0.1:${port}`;
}

try {
  console.log(`Preparing local state in ${local.dir} …`);
  local.migrate();
  local.addUser({ id: 'usr_bench', slug: 'bench' });
  mkdirSync(ipxDir);
  for (const source of sources) {
    source.bytes = await noiseJpeg(source.width, source.height);
    writeFileSync(path.join(ipxDir, source.name), source.bytes);
    local.addImage({ ...source, ownerId: 'usr_bench', filename: source.name });
  }
  const ipx = await startIpx();
  const ipxUrl = (source, modifiers) => `${ipx}/${modifiers}/${source.name}`;
  const worker = await local.startWorker({ vars: { ...readDevVars(), RATE_LIMIT_ENABLED: 'false' } });

  // Each case counts its distinct transforms from 1 (its image or its transform differs from every other case's).
  const cases = sources.flatMap((source) => transforms.map((transform) => ({ source, transform })));
  for (const c of cases) {
    const { source, transform } = c;
    // The same output on both sides: format and dimensions.
    const first = await timed(pf(source, transform.pixelflare()), accept);
    c.format = first.contentType.replace('image/', '');
    const second = await timed(pf(source, transform.pixelflare()), accept);
    if (second.cache !== 'hit') throw new Error(`${transform.label}: the repeat was a ${second.cache}`);
    const ours = await fetch(pf(source, transform.pixelflare()), { headers: accept });
    c.hitBytes = Buffer.from(await ours.arrayBuffer());
    const theirs = await fetch(ipxUrl(source, transform.ipx(0, c.format)), { headers: accept });
    if (!theirs.ok) throw new Error(`IPX answered ${theirs.status}: ${await theirs.text()}`);
    const [a, b] = await Promise.all([
      sharp(c.hitBytes).metadata(),
      sharp(Buffer.from(await theirs.arrayBuffer())).metadata(),
    ]);
    c.output = `${a.width}×${a.height} ${a.format}`;
    if (c.output !== `${b.width}×${b.height} ${b.format}`)
      throw new Error(
        `${transform.label}: Pixelflare made ${c.output}, IPX ${b.width}×${b.height} ${b.format}`,
      );

    // Misses, one at a time: each a transform neither side has made.
    c.pfMiss = [];
    c.ipxMiss = [];
    for (let n = 1; n <= SEQUENTIAL; n++) {
      const miss = await timed(pf(source, transform.pixelflare(n)), accept);
      if (miss.cache !== 'miss') throw new Error(`${transform.label}: expected a miss, got ${miss.cache}`);
      c.pfMiss.push(miss.ms);
      c.ipxMiss.push((await timed(ipxUrl(source, transform.ipx(n, c.format)), accept)).ms);
    }
    // Misses under load: distinct transforms again, from a range of their own.
    const pfPath = (i) => `/cdn/bench/default/${source.name}?${transform.pixelflare(i)}`;
    c.pfMissLoad = await missLoad(local.base, pfPath, median(c.pfMiss));
    const ipxPath = (i) => `/${transform.ipx(i, c.format)}/${source.name}`;
    c.ipxMissLoad = await missLoad(ipx, ipxPath, median(c.ipxMiss));
    // Repeated requests: Pixelflare's cache, IPX recomputing.
    c.pfHit = await load(pf(source, transform.pixelflare()), { headers: accept });
    c.ipxHit = await load(ipxUrl(source, transform.ipx(0, c.format)), { headers: accept });
  }
  await local.stopWorker(worker);

  // The floor of a hit: a bare Worker streaming the very bytes the cache answered, from R2.
  for (const [i, c] of cases.entries()) {
    c.bareKey = `bench/peer/${i}`;
    const file = path.join(local.dir, `hit-${i}`);
    writeFileSync(file, c.hitBytes);
    local.wrangler(
      'r2',
      'object',
      'put',
      `pixelflare-images/${c.bareKey}`,
      '--file',
      file,
      '--content-type',
      `image/${c.format}`,
      '--local',
      '--persist-to',
      local.dir,
    );
  }
  const bare = await local.startWorker({ config: 'bench/cdn/wrangler.baseline.toml' });
  for (const c of cases) c.bareHit = await load(`${local.base}/?key=${encodeURIComponent(c.bareKey)}`);
  await local.stopWorker(bare);

  printHeader(
    `Pixelflare's CDN beside IPX (${CONNECTIONS} connections; repeated requests ${SECONDS} s, misses about as long; ${SEQUENTIAL} sequential misses per transform; loopback, local wrangler dev with the Images binding)`,
  );
  const row = table(['', 'Pixelflare', 'IPX', 'ratio', 'goal'], { first: 52, rest: 14 });
  for (const c of cases) {
    const { source, transform } = c;
    console.log(`\n${source.name} (${source.width}×${source.height}) → ${transform.label} (${c.output})`);
    row.compare('  miss, sequential, median ms', median(c.pfMiss), median(c.ipxMiss), { goal: '≤ 1.2×' });
    row.compare('  miss under load, requests/s', rps(c.pfMissLoad), rps(c.ipxMissLoad), {
      digits: 1,
      goal: '≥ 0.83×',
    });
    row.compare('  miss under load, p50 latency ms', c.pfMissLoad.latency.p50, c.ipxMissLoad.latency.p50, {
      goal: '≤ 1.2×',
    });
    // The factor a cache should give over recomputing: what streaming the stored bytes achieves.
    const factor = rps(c.bareHit) / rps(c.ipxHit);
    row.compare('  repeated (Pixelflare cache hit, IPX recomputes), req/s', rps(c.pfHit), rps(c.ipxHit), {
      digits: 1,
      goal: `≥ ${(0.95 * factor).toFixed(1)}×`,
    });
    row([
      '  bare Worker streaming the same bytes, req/s',
      rps(c.bareHit).toFixed(1),
      '',
      ratio(rps(c.bareHit), rps(c.ipxHit)),
      '(the factor)',
    ]);
    row.compare('  repeated, p99 latency ms', c.pfHit.latency.p99, c.ipxHit.latency.p99);
  }
  const errors = cases.flatMap((c) =>
    ['pfMissLoad', 'ipxMissLoad', 'pfHit', 'ipxHit', 'bareHit']
      .filter((k) => c[k].errors || c[k].non2xx)
      .map(
        (k) => `${c.source.name} ${c.transform.label} ${k}: ${c[k].errors} errors, ${c[k].non2xx} non-2xx`,
      ),
  );
  console.log(errors.length ? `\nFailed requests: ${errors.join('; ')}` : '\nEvery request answered 2xx.');
} finally {
  local.cleanup();
}
