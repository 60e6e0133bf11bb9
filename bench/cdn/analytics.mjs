// Cache-hit throughput with CDN analytics off beside on (the D1 sink, and the Analytics Engine sink, whose points
// local wrangler dev drops), printed in one run. Goal: counting costs at most 3 % of cache-hit requests/s.
// Run from the repository root: `pnpm --filter @pixelflare/bench cdn:analytics`. Uses its own temporary local state.
import sharp from 'sharp';
import {
  CONNECTIONS,
  SECONDS,
  load,
  localState,
  printHeader,
  readDevVars,
  sleep,
  table,
} from '../lib/runner.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const local = await localState('analytics');

const events = () => local.sql('SELECT COUNT(*) AS n FROM analytics_events')[0].n;

try {
  local.migrate();
  local.addUser({ id: 'usr_bench', slug: 'bench' });
  const bytes = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#3a7' } })
    .jpeg({ quality: 85 })
    .toBuffer();
  local.addImage({
    id: 'img_benchanalytics',
    ownerId: 'usr_bench',
    filename: 'photo.jpg',
    bytes,
    width: 800,
    height: 600,
  });
  const common = { ...readDevVars(), RATE_LIMIT_ENABLED: 'false' };
  const modes = {
    off: { ANALYTICS_ENABLED: 'false' },
    'on (d1 sink)': { ANALYTICS_SINK: 'd1' },
    'on (engine sink)': {
      ANALYTICS_SINK: 'engine',
      CLOUDFLARE_ACCOUNT_ID: 'bench',
      CLOUDFLARE_ANALYTICS_TOKEN: 'bench',
    },
  };
  const url = `${local.base}/cdn/bench/default/photo.jpg/w256`;
  const accept = { Accept: 'image/webp' };
  const results = Object.fromEntries(Object.keys(modes).map((mode) => [mode, []]));
  const counted = {};
  // Rounds alternate the modes so a machine busy with something else slows each about equally.
  for (let round = 0; round < ROUNDS; round++) {
    for (const [mode, vars] of Object.entries(modes)) {
      const before = events();
      const worker = await local.startWorker({ vars: { ...common, ...vars } });
      for (let i = 0; i < 3; i++) await (await fetch(url, { headers: accept })).arrayBuffer();
      const cache = (await fetch(url, { headers: accept })).headers.get('X-Cache');
      if (cache !== 'hit') throw new Error(`${mode}: expected a cache hit, got ${cache}`);
      const run = await load(url, { headers: accept });
      results[mode].push(run);
      await sleep(2000);
      await local.stopWorker(worker);
      counted[mode] = (counted[mode] ?? 0) + (events() - before);
      // The startup probe is not a CDN request; the 4 warm-up requests are.
      counted[`${mode} requests`] = (counted[`${mode} requests`] ?? 0) + run.requests.total + 4;
    }
  }
  const mean = (runs, pick) => runs.reduce((sum, run) => sum + pick(run), 0) / runs.length;
  const off = mean(results.off, (run) => run.requests.average);
  printHeader(
    `CDN cache hit with analytics off and on (${CONNECTIONS} connections × ${SECONDS} s × ${ROUNDS} rounds, loopback, wrangler dev)`,
  );
  const row = table(['', 'requests/s', 'vs off', 'p99 ms', 'rows in D1', 'goal'], { first: 22 });
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
  local.cleanup();
}
