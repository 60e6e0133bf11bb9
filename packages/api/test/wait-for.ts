import { vi } from 'vitest';

/**
 * Waits until `condition` returns without throwing (an `expect` inside it) and returns its value, polling.
 * For work that finishes in the background (a queue consumer, a `waitUntil`): wait for what it leaves behind,
 * never sleep for a guessed time. The default allowance is sized for a loaded 2-core machine (vi.waitFor's own
 * default is 1 s) and stays well inside the suite's test timeout.
 */
export function waitFor<T>(
  condition: () => T | Promise<T>,
  { timeout = 30_000, interval = 100 }: { timeout?: number; interval?: number } = {},
): Promise<T> {
  return vi.waitFor(condition, { timeout, interval });
}
