// CDN benchmarks, each figure printed beside its baseline (see packages/docs/guide/cdn.md):
//   1. cache hit through the full Worker vs a bare Worker streaming the same R2 object (autocannon, loopback);
//   2. cache miss, 12 MP JPEG -> w1024 WebP through the Images binding vs sharp doing the same in Node;
//   3. the WebAssembly engine on 2 MP and 4 MP sources: time and peak memory of the workerd process.
// Run from the repository root: `pnpm --filter @pixelflare/bench cdn`. Uses its own temporary local state.
import sharp from 'sharp';
import { noiseJpeg } from '../lib/images.mjs';
import {
  CONNECTIONS,
  SECONDS,
  load,
  localState,
  median,
  printHeader,
  readDevVars,
  table,
  timed,
  workerdMemory,
} from '../lib/runner.mjs';

const local = await localState('cdn');
const { base } = local;

try {
  console.log(`Preparing local state in ${local.dir} …`);
  local.migrate();
  local.addUser({ id: 'usr_bench', slug: 'bench' });
  const photo12 = await noiseJpeg(4000, 3000);
  const photo2 = await noiseJpeg(1732, 1155);
  const photo4 = await noiseJpeg(2400, 1600);
  const store = (id, bytes, width, height, filename) =>
    local.addImage({ id, ownerId: 'usr_bench', filename, bytes, width, height });
  store('img_bench12mpaaaa', photo12, 4000, 3000, '12mp.jpg');
  store('img_bench2mpbbbbbb', photo2, 1732, 1155, '2mp.jpg');
  store('img_bench4mpcccccc', photo4, 2400, 1600, '4mp.jpg');
  const vars = { ...readDevVars(), RATE_LIMIT_ENABLED: 'false' };
  const accept = { Accept: 'image/webp' };

  // 1 + 2: the full Worker with the Images binding.
  let worker = await local.startWorker({ vars });
  const hitUrl = `${base}/cdn/bench/default/2mp.jpg/w1024`;
  await timed(hitUrl, accept);
  const warm = await timed(hitUrl, accept);
  const hit = await load(hitUrl, { headers: accept });
  // The floor: the same Worker answering a malformed /cdn path, which does no I/O at all.
  const floor = await load(`${base}/cdn/x`);
  const misses = [];
  for (let q = 70; q < 75; q++)
    misses.push((await timed(`${base}/cdn/bench/default/12mp.jpg/w1024?q=${q}`, accept)).ms);
  await local.stopWorker(worker);
  const variantKey = local.sql(
    "SELECT storage_key FROM image_variants WHERE name = 'w1024' AND format = 'webp' AND image_id = 'img_bench2mpbbbbbb'",
  )[0].storage_key;

  // The baseline Worker streaming the very object the cache hit serves.
  worker = await local.startWorker({ config: 'bench/cdn/wrangler.baseline.toml' });
  const bare = await load(`${base}/?key=${encodeURIComponent(variantKey)}`);
  await local.stopWorker(worker);

  const sharpTimes = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    await sharp(photo12)
      .resize({ width: 1024, withoutEnlargement: true })
      .webp({ quality: 70 + i })
      .toBuffer();
    sharpTimes.push(performance.now() - start);
  }

  // 3: the WebAssembly engine.
  worker = await local.startWorker({ vars: { ...vars, IMAGE_ENGINE: 'wasm' } });
  const idleMb = workerdMemory(worker).peak;
  const wasm = {};
  for (const name of ['2mp', '4mp']) {
    const times = [];
    for (let q = 70; q < 73; q++)
      times.push((await timed(`${base}/cdn/bench/default/${name}.jpg/w1024?q=${q}`, accept)).ms);
    wasm[name] = { ms: median(times), peakMb: workerdMemory(worker).peak };
  }
  await local.stopWorker(worker);

  printHeader(`CDN benchmarks (${CONNECTIONS} connections × ${SECONDS} s on loopback; local wrangler dev)`);
  const row = table(['', 'Pixelflare', 'baseline', 'ratio', 'goal']);
  row.compare(
    `cache hit, requests/s (w1024 WebP, ${warm.cache})`,
    hit.requests.average,
    bare.requests.average,
    { goal: '≥ 0.95×' },
  );
  row.compare('full Worker floor (no-I/O 404), requests/s', floor.requests.average, bare.requests.average);
  row.compare('cache hit, p99 latency ms', hit.latency.p99, bare.latency.p99, { goal: '≤ 1.10×' });
  row.compare('cache miss 12 MP JPEG → w1024 WebP, median ms', median(misses), median(sharpTimes), {
    note: '(sharp)',
    goal: '≤ 1.3×',
  });
  row(['WebAssembly engine, 2 MP → w1024 WebP, ms', wasm['2mp'].ms.toFixed(0), '', '', '']);
  row(['WebAssembly engine, 4 MP → w1024 WebP, ms', wasm['4mp'].ms.toFixed(0), '', '', '≤ 300']);
  row([
    'workerd peak RSS MB (idle → after 2 MP → 4 MP)',
    `${idleMb.toFixed(0)} → ${wasm['2mp'].peakMb.toFixed(0)} → ${wasm['4mp'].peakMb.toFixed(0)}`,
    'idle',
    `+${(wasm['4mp'].peakMb - idleMb).toFixed(0)} MB`,
    '≤ +64 MB',
  ]);
} finally {
  local.cleanup();
}
