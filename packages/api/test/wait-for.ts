import { vi } from 'vitest';

/**
 * Waits until `condition` returns without throwing (an `expect` inside it) and returns its value, polling.
 * For work that finishes in the background (a queue consumer, a `waitUntil`): wait for what it leaves behind,
 * never sleep for a guessed time. One allowance for every wait, sized for a loaded 2-core machine where a job may
 * queue behind other files' jobs (vi.waitFor's own default is 1 s); it stays well inside the suite's test timeout,
 * so a condition that never holds fails with its own expectation, not a bare timeout.
 */
export function waitFor<T>(
  condition: () => T | Promise<T>,
  { timeout = 120_000, interval = 100 }: { timeout?: number; interval?: number } = {},
): Promise<T> {
  return vi.waitFor(condition, { timeout, interval });
}
