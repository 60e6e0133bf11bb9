import { describe, expect, it } from 'vitest';
import { IsolateCache } from './isolate-cache';

describe('IsolateCache', () => {
  it('remembers a value (null too) until its time to live is over', () => {
    const cache = new IsolateCache<string | null>(1000, 10);
    cache.set('a', null, 0);
    expect(cache.get('a', 999)).toEqual({ value: null });
    expect(cache.get('a', 1000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('never holds more than its bound: the oldest write goes first', () => {
    const cache = new IsolateCache<number>(60_000, 3);
    for (let i = 0; i < 1000; i++) cache.set(`host-${i}.example`, i, 0);
    expect(cache.size).toBe(3);
    expect(cache.get('host-996.example', 1)).toBeUndefined();
    expect(cache.get('host-999.example', 1)).toEqual({ value: 999 });
    // Rewriting a key makes it the newest.
    cache.set('host-997.example', 7, 2);
    cache.set('host-1000.example', 1000, 2);
    expect(cache.get('host-997.example', 3)).toEqual({ value: 7 });
    expect(cache.get('host-998.example', 3)).toBeUndefined();
  });
});
