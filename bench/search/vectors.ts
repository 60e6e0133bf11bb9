// The local vector index at scale (packages/ai-local/src/vectors.ts): N vectors (default 100,000) of 512
// dimensions, the local embedding model's, for one owner (the worst case: a query scans every vector of its owner)
// plus a second owner's 1,000. Prints the upsert rate, query time (top-10, exact cosine), memory held, the log's size
// and how long a restart takes to replay it. Run: `pnpm --filter @pixelflare/bench search:vectors`
// (`BENCH_VECTORS=20000` for a shorter run). Uses a temporary folder.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { VectorIndex } from '../../packages/ai-local/src/vectors';

const N = Number(process.env.BENCH_VECTORS ?? 100_000);
const DIMS = 512;
const dir = mkdtempSync(path.join(tmpdir(), 'pf-bench-vectors-'));
const file = path.join(dir, 'bench.vectors');
const random = (() => {
  let seed = 42;
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
})();
const vector = () => Array.from({ length: DIMS }, random);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

console.log(
  `bench search:vectors — ${new Date().toISOString()} — ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}`,
);
try {
  const heapBefore = process.memoryUsage();
  const index = new VectorIndex('bench', file);
  let started = performance.now();
  for (let at = 0; at < N; at += 1000) {
    const batch = Array.from({ length: Math.min(1000, N - at) }, (_, i) => ({
      id: `img-${at + i}`,
      values: vector(),
      metadata: { owner: 'big' },
    }));
    index.upsert(batch);
  }
  index.upsert(
    Array.from({ length: 1000 }, (_, i) => ({
      id: `small-${i}`,
      values: vector(),
      metadata: { owner: 'small' },
    })),
  );
  const upsertMs = performance.now() - started;
  const memory = process.memoryUsage();
  const times = (owner: string, runs: number) => {
    const samples: number[] = [];
    for (let run = 0; run < runs; run++) {
      const q = vector();
      const t = performance.now();
      index.query(q, { topK: 10, filter: { owner } });
      samples.push(performance.now() - t);
    }
    samples.sort((a, b) => a - b);
    return { p50: samples[Math.floor(runs / 2)]!, p95: samples[Math.floor(runs * 0.95)]! };
  };
  const big = times('big', 50);
  const small = times('small', 200);
  started = performance.now();
  const replayed = new VectorIndex('bench', file);
  const replayMs = performance.now() - started;
  console.log(
    [
      ['vectors', `${N} × ${DIMS}-d (owner big) + 1000 (owner small)`],
      [
        'upsert',
        `${((N + 1000) / (upsertMs / 1000)).toFixed(0)} vectors/s (batches of 1000, appended to the log)`,
      ],
      ['query top-10, owner with N', `p50 ${big.p50.toFixed(1)} ms, p95 ${big.p95.toFixed(1)} ms`],
      ['query top-10, owner with 1000', `p50 ${small.p50.toFixed(2)} ms, p95 ${small.p95.toFixed(2)} ms`],
      [
        'memory (RSS growth / arrayBuffers)',
        `${mib(memory.rss - heapBefore.rss)} / ${mib(memory.arrayBuffers)}`,
      ],
      ['log on disk', mib(statSync(file).size)],
      ['restart (replay the log)', `${(replayMs / 1000).toFixed(1)} s, ${replayed.count} vectors`],
    ]
      .map(([k, v]) => `${k!.padEnd(36)} ${v}`)
      .join('\n'),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
