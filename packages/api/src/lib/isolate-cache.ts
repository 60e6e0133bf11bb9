/**
 * What an isolate remembers between requests (a KV or D1 answer), for `ttlMs`, and at most `maxEntries` of
 * them: when full, the entry written longest ago goes. Every module-level memo keyed by something a client can
 * choose (a Host header, an owner slug) must be bounded, or a long-lived isolate grows with every new key.
 */
export class IsolateCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  /** The value remembered for `key`, wrapped (a remembered `null` is an answer too), or undefined. */
  get(key: string, now = Date.now()): { value: V } | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return { value: entry.value };
  }

  set(key: string, value: V, now = Date.now()): void {
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, expires: now + this.ttlMs });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
