import { describe, expect, it } from 'vitest';
import { formatBytes, percentOf } from './format';

describe('format', () => {
  it('words byte sizes', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1500)).toBe('1.5 kB');
    expect(formatBytes(25_000_000)).toBe('25 MB');
  });
  it('caps usage at 100% and treats a zero limit as 0%', () => {
    expect(percentOf(50, 200)).toBe(25);
    expect(percentOf(300, 200)).toBe(100);
    expect(percentOf(5, 0)).toBe(0);
  });
});
