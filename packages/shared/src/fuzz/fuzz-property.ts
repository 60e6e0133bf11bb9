/**
 * One shape for every fuzz property of the repository (shared's parsers, the API's sniffers, stripper and
 * filenames): the CI tests run each with a fixed seed and `ciRuns`, bench/fuzz with FUZZ_SEED and FUZZ_RUNS.
 */
import fc from 'fast-check';

/** How a run is seeded and sized: fixed and small in CI, from FUZZ_SEED and FUZZ_RUNS in bench/fuzz. */
export interface FuzzRun {
  seed: number;
  numRuns: number;
}

/** A named property and the runs CI gives it; `check` asserts it (fast-check reports the shrunk counterexample). */
export interface FuzzProperty {
  name: string;
  ciRuns: number;
  check: (run: FuzzRun) => void | Promise<void>;
}

/** Wraps a fast-check property (sync or async) as a FuzzProperty. */
export function fuzzProperty<Ts extends unknown[]>(
  name: string,
  ciRuns: number,
  property: fc.IProperty<Ts> | fc.IAsyncProperty<Ts>,
): FuzzProperty {
  return {
    name,
    ciRuns,
    check: (run) =>
      property.isAsync()
        ? fc.assert(property as fc.IAsyncProperty<Ts>, run)
        : fc.assert(property as fc.IProperty<Ts>, run),
  };
}
