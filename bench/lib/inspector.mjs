// The Worker's own V8 inspector (Chrome DevTools Protocol over WebSocket), through wrangler dev's inspector proxy
// (`--inspector-port`). workerd allows one inspector session per isolate and the proxy holds it, so a direct
// connection to workerd's own inspector address is closed at once. Used by bench/soak to tell the product's heap
// from the local simulator's memory.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** The TCP ports process `pid` listens on (from /proc: its socket inodes against /proc/net/tcp{,6}). */
export function listeningPorts(pid) {
  const inodes = new Set();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]);
    } catch {
      // closed meanwhile
    }
  }
  const ports = new Set();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // st 0A: LISTEN
      if (cols[3] === '0A' && inodes.has(cols[9])) ports.add(parseInt(cols[1].split(':')[1], 16));
    }
  }
  return [...ports];
}

/** One DevTools protocol session. */
export class Inspector {
  static async connect(url, { headers, timeoutMs = 10_000 } = {}) {
    // undici's WebSocket takes headers (wrangler's proxy refuses a connection without an Origin).
    const socket = new WebSocket(url, headers ? { headers } : undefined);
    await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no connection to ${url} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      socket.onopen = () => {
        clearTimeout(timer);
        resolve();
      };
      socket.onerror = (event) => {
        clearTimeout(timer);
        reject(new Error(`${url}: ${event.message ?? 'connection refused'}`));
      };
    });
    return new Inspector(socket);
  }

  constructor(socket) {
    this.socket = socket;
    this.id = 0;
    this.pending = new Map();
    this.listeners = new Map();
    socket.onmessage = (event) => {
      const message = JSON.parse(String(event.data));
      if (message.id !== undefined) {
        this.pending.get(message.id)?.(message);
        this.pending.delete(message.id);
      } else this.listeners.get(message.method)?.(message.params);
    };
    socket.onclose = () => {
      for (const done of this.pending.values()) done({ error: { message: 'inspector connection closed' } });
      this.pending.clear();
    };
  }

  /** Sends one command; resolves with its result (rejects on a protocol error or after `timeoutMs`). */
  send(method, params = {}, timeoutMs = 60_000) {
    return new Promise((resolve, reject) => {
      const n = ++this.id;
      const timer = setTimeout(() => {
        this.pending.delete(n);
        reject(new Error(`${method}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(n, (message) => {
        clearTimeout(timer);
        if (message.error) reject(new Error(`${method}: ${message.error.message}`));
        else resolve(message.result ?? {});
      });
      this.socket.send(JSON.stringify({ id: n, method, params }));
    });
  }

  /**
   * A heap snapshot (after a collection), summarised: self size and count by constructor/kind, and the total.
   * The snapshot itself (tens of MB of JSON) is not kept.
   */
  async heapSummary() {
    const chunks = [];
    this.listeners.set('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => chunks.push(chunk));
    try {
      await this.send(
        'HeapProfiler.takeHeapSnapshot',
        { reportProgress: false, captureNumericValue: false },
        600_000,
      );
    } finally {
      this.listeners.delete('HeapProfiler.addHeapSnapshotChunk');
    }
    return summariseSnapshot(JSON.parse(chunks.join('')));
  }

  close() {
    this.socket.close();
  }
}

/**
 * Self size and count per (kind, name) of a V8 heap snapshot: objects by constructor, strings, closures, arrays,
 * code... The same grouping DevTools' "Summary" view shows (without retained sizes).
 */
export function summariseSnapshot(snapshot) {
  const { node_fields: fields, node_types: types } = snapshot.snapshot.meta;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const kinds = types[typeAt];
  const { nodes, strings } = snapshot;
  const groups = new Map();
  let total = 0;
  for (let i = 0; i < nodes.length; i += width) {
    const kind = kinds[nodes[i + typeAt]];
    const size = nodes[i + sizeAt];
    total += size;
    // Objects and closures by name (the constructor / function); everything else by its kind alone.
    const key =
      kind === 'object' || kind === 'closure' || kind === 'native'
        ? `${kind} ${strings[nodes[i + nameAt]]}`.slice(0, 80)
        : `(${kind})`;
    const group = groups.get(key) ?? { count: 0, bytes: 0 };
    group.count += 1;
    group.bytes += size;
    groups.set(key, group);
  }
  return { totalBytes: total, nodes: nodes.length / width, groups };
}

/** The groups that grew most between two summaries, largest growth first. */
export function heapGrowth(before, after, top = 12) {
  const keys = new Set([...before.groups.keys(), ...after.groups.keys()]);
  return [...keys]
    .map((key) => {
      const a = before.groups.get(key) ?? { count: 0, bytes: 0 };
      const b = after.groups.get(key) ?? { count: 0, bytes: 0 };
      return { key, bytes: b.bytes - a.bytes, count: b.count - a.count, after: b };
    })
    .sort((x, y) => y.bytes - x.bytes)
    .slice(0, top);
}
