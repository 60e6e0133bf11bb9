import { describe, expect, it } from 'vitest';
import { TokenQueue } from './turnstile';

describe('TokenQueue: each Turnstile token handed out once', () => {
  it('hands the solved token to the first caller and resets the widget for the next', async () => {
    let resets = 0;
    const queue = new TokenQueue(() => resets++);
    queue.offer('one');
    expect(queue.ready).toBe(true);
    expect(await queue.take()).toBe('one');
    expect(queue.ready).toBe(false);
    expect(resets).toBe(1);

    // Two uploads at once: the second waits for the widget's next token.
    const second = queue.take();
    const third = queue.take();
    queue.offer('two');
    queue.offer('three');
    expect(await second).toBe('two');
    expect(await third).toBe('three');
    expect(resets).toBe(3);
  });

  it('drops an expired token instead of handing it out', async () => {
    const queue = new TokenQueue(() => {});
    queue.offer('stale');
    queue.drop();
    const next = queue.take();
    queue.offer('fresh');
    expect(await next).toBe('fresh');
  });
});
