// Fuzz run far past CI's: every fast-check property of the repository (shared: transform and CDN query parsers;
// API, inside workerd: image sniffers and header readers, the metadata stripper, CDN paths, filenames and
// Content-Disposition) at FUZZ_SCALE times its CI runs (default 100) with seed FUZZ_SEED (default: random,
// printed so a failure can be replayed), printed beside the CI run (seed 20, CI runs) as the baseline.
// Run from the repository root: `pnpm --filter @pixelflare/bench fuzz` (FUZZ_SCALE=20 for a shorter run).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const scale = Number(process.env.FUZZ_SCALE ?? 100);
const out = mkdtempSync(path.join(tmpdir(), 'pf-bench-fuzz-'));

/** Runs one package's fuzz files; returns each test's duration and state from vitest's JSON report. */
function run(pkg, config, label, env) {
  const report = path.join(out, `${pkg}-${label}.json`);
  const args = ['exec', 'vitest', 'run', '--reporter=json', `--outputFile=${report}`];
  if (config) args.push('--config', config);
  else args.push(pkg === 'api' ? 'test/fuzz' : 'src/fuzz');
  const started = performance.now();
  const result = spawnSync('pnpm', args, {
    cwd: path.join(root, 'packages', pkg),
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 1e8,
  });
  const seconds = (performance.now() - started) / 1000;
  let tests = [];
  try {
    const json = JSON.parse(readFileSync(report, 'utf8'));
    tests = json.testResults.flatMap((file) =>
      file.assertionResults.map((t) => ({
        name: t.title,
        ms: t.duration ?? 0,
        ok: t.status === 'passed',
        failure: (t.failureMessages ?? []).join('\n').split('\n').slice(0, 6).join('\n'),
      })),
    );
  } catch {
    console.error(result.stdout.slice(-4000), result.stderr.slice(-4000));
  }
  return { seconds, tests };
}

console.log(`Fuzzing with seed ${seed} at ${scale}x the CI runs (baseline: the CI run, seed 20) …`);
const rows = [];
let failed = 0;
for (const [pkg, config] of [
  ['shared', 'src/fuzz/vitest.bench.config.ts'],
  ['api', 'test/fuzz/vitest.bench.config.ts'],
]) {
  const ci = run(pkg, undefined, 'ci', {});
  const big = run(pkg, config, 'bench', { FUZZ_SEED: String(seed), FUZZ_SCALE: String(scale) });
  for (const test of big.tests) {
    const base = ci.tests.find((t) => t.name === test.name);
    rows.push([
      pkg,
      test.name,
      base ? `${(base.ms / 1000).toFixed(1)} s` : '-',
      `${(test.ms / 1000).toFixed(1)} s`,
      test.ok ? 'ok' : 'FAILED',
    ]);
    if (!test.ok) {
      failed += 1;
      console.log(`\n${pkg}: ${test.name}\n${test.failure}`);
    }
  }
  rows.push([
    pkg,
    '(whole package, with workerd start-up)',
    `${ci.seconds.toFixed(0)} s`,
    `${big.seconds.toFixed(0)} s`,
    '',
  ]);
}
console.log(
  `\n${'package'.padEnd(8)}${'property'.padEnd(100)}${'CI (1x)'.padEnd(10)}${`${scale}x`.padEnd(10)}result`,
);
for (const [pkg, name, ci, big, result] of rows)
  console.log(`${pkg.padEnd(8)}${name.slice(0, 98).padEnd(100)}${ci.padEnd(10)}${big.padEnd(10)}${result}`);
console.log(
  `\nseed ${seed}, scale ${scale}: ${failed === 0 ? 'nothing found' : `${failed} propert${failed === 1 ? 'y' : 'ies'} failed`}`,
);
process.exit(failed === 0 ? 0 : 1);
