import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { retryOnError, type RetryableImage } from './retry-image';

/** An image element's retry-relevant part: `src` assignments are recorded as the browser's new requests. */
class FakeImage extends EventTarget implements RetryableImage {
  requests: string[] = [];
  constructor(private attribute: string) {
    super();
  }
  getAttribute() {
    return this.attribute;
  }
  get src() {
    return this.attribute;
  }
  set src(value: string) {
    this.attribute = value;
    this.requests.push(value);
  }
  fail() {
    this.dispatchEvent(new Event('error'));
  }
  load() {
    this.dispatchEvent(new Event('load'));
  }
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('retrying a thumbnail that failed to load', () => {
  it('asks for the same URL again after each delay, and gives up after the last', () => {
    const image = new FakeImage('https://cdn.example/i/abc/thumb');
    retryOnError(image, [100, 300]);
    image.fail();
    vi.advanceTimersByTime(99);
    expect(image.requests).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(image.requests).toEqual(['https://cdn.example/i/abc/thumb']);
    image.fail();
    vi.advanceTimersByTime(300);
    expect(image.requests).toHaveLength(2);
    image.fail();
    vi.advanceTimersByTime(10_000);
    expect(image.requests).toHaveLength(2);
  });

  it('starts counting again after a load, and stops when the element goes away', () => {
    const image = new FakeImage('https://cdn.example/i/abc/w256');
    const action = retryOnError(image, [100, 100]);
    image.fail();
    vi.advanceTimersByTime(100);
    image.load();
    // Back to the first delay: two more tries are left, not one.
    image.fail();
    vi.advanceTimersByTime(100);
    expect(image.requests).toHaveLength(2);
    image.fail();
    action.destroy();
    vi.advanceTimersByTime(1000);
    expect(image.requests).toHaveLength(2);
  });
});
