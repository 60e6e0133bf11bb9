/**
 * How a fuzz test file sizes its run: in CI the fixed seed and each property's `ciRuns`; under bench/fuzz the
 * seed and a scale it provides (vitest `provide`, read with `inject`), so the same properties run far longer.
 */
import { inject } from 'vitest';
import type { FuzzRun } from './fuzz-property';

declare module 'vitest' {
  interface ProvidedContext {
    /** Set by bench/fuzz: the seed of a bigger run. */
    fuzzSeed?: number;
    /** Set by bench/fuzz: runs per property as a multiple of its CI runs. */
    fuzzScale?: number;
  }
}

/** Fixed in CI so a failure reproduces. */
export const CI_SEED = 20;

export function fuzzRun(ciRuns: number): FuzzRun {
  const seed = inject('fuzzSeed');
  const scale = inject('fuzzScale');
  return { seed: seed ?? CI_SEED, numRuns: Math.max(1, Math.round(ciRuns * (scale ?? 1))) };
}
