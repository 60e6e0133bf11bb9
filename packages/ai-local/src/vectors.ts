import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * The local vector index: Vectorize's operations (upsert, query top-k with a metadata filter on `owner`,
 * get by ids, delete by ids) over unit-length float32 vectors, exact (a full scan of the owner's vectors, cosine).
 *
 * Memory is bounded by what it holds: one Float32Array slab of `capacity × dimensions` (grown by doubling, slots of
 * deleted vectors reused) plus the ids and metadata; 100k vectors of 512 dimensions take 205 MB of slab.
 * Each index persists as an append-only log of upserts and deletes (`<dir>/<index>.vectors`), replayed on start
 * and rewritten when most of it is dead records. One index holds vectors of one dimension: the name says the
 * model and dimension, and a vector of another size is refused.
 */

export class VectorInputError extends Error {}

export interface VectorRecord {
  id: string;
  values: number[];
  metadata: { owner: string } & Record<string, string | number | boolean>;
}

export interface VectorMatch {
  id: string;
  score: number;
  values?: number[];
  metadata?: VectorRecord['metadata'];
}

const UPSERT = 1;
const DELETE = 2;
const INDEX_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export class VectorIndex {
  dimensions = 0;
  private slab = new Float32Array(0);
  private capacity = 0;
  private readonly slotOf = new Map<string, number>();
  private ids: (string | null)[] = [];
  private metadata: (VectorRecord['metadata'] | null)[] = [];
  private readonly free: number[] = [];
  /** Slots by owner: a query scans only the owner's vectors. */
  private readonly byOwner = new Map<string, Set<number>>();
  private logRecords = 0;

  constructor(
    readonly name: string,
    private readonly file: string | null,
  ) {
    if (file) this.replay();
  }

  get count(): number {
    return this.slotOf.size;
  }

  private ensureDimensions(values: ArrayLike<number>) {
    if (this.dimensions === 0) this.dimensions = values.length;
    if (values.length !== this.dimensions)
      throw new VectorInputError(
        `index ${this.name} holds ${this.dimensions}-d vectors; got ${values.length} dimensions`,
      );
  }

  private grow() {
    const capacity = Math.max(1024, this.capacity * 2);
    const slab = new Float32Array(capacity * this.dimensions);
    slab.set(this.slab);
    this.slab = slab;
    this.capacity = capacity;
  }

  private put(id: string, values: ArrayLike<number>, metadata: VectorRecord['metadata']) {
    this.remove(id);
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.ids.length;
      if (slot >= this.capacity) this.grow();
      this.ids.push(null);
      this.metadata.push(null);
    }
    let norm = 0;
    for (let i = 0; i < values.length; i++) norm += values[i]! * values[i]!;
    norm = Math.sqrt(norm) || 1;
    const base = slot * this.dimensions;
    for (let i = 0; i < values.length; i++) this.slab[base + i] = values[i]! / norm;
    this.ids[slot] = id;
    this.metadata[slot] = metadata;
    this.slotOf.set(id, slot);
    let owned = this.byOwner.get(metadata.owner);
    if (!owned) this.byOwner.set(metadata.owner, (owned = new Set()));
    owned.add(slot);
  }

  private remove(id: string): boolean {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return false;
    const owner = this.metadata[slot]!.owner;
    const owned = this.byOwner.get(owner);
    owned?.delete(slot);
    if (owned?.size === 0) this.byOwner.delete(owner);
    this.slotOf.delete(id);
    this.ids[slot] = null;
    this.metadata[slot] = null;
    this.free.push(slot);
    return true;
  }

  upsert(vectors: unknown): number {
    if (!Array.isArray(vectors) || vectors.length === 0 || vectors.length > 1000)
      throw new VectorInputError('vectors must be an array of 1–1000 { id, values, metadata }');
    const records = vectors.map((vector: Partial<VectorRecord>) => {
      if (typeof vector?.id !== 'string' || vector.id.length === 0 || Buffer.byteLength(vector.id) > 64)
        throw new VectorInputError('a vector id is a string of 1–64 bytes');
      if (!Array.isArray(vector.values) || !vector.values.every((v) => Number.isFinite(v)))
        throw new VectorInputError(`vector ${vector.id}: values must be finite numbers`);
      if (typeof vector.metadata?.owner !== 'string')
        throw new VectorInputError(`vector ${vector.id}: metadata.owner (a string) is required`);
      this.ensureDimensions(vector.values);
      return vector as VectorRecord;
    });
    const chunks: Buffer[] = [];
    for (const record of records) {
      this.put(record.id, record.values, record.metadata);
      chunks.push(this.upsertRecord(record.id, record.metadata, this.slotOf.get(record.id)!));
    }
    this.append(chunks);
    return records.length;
  }

  deleteByIds(ids: unknown): number {
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string'))
      throw new VectorInputError('ids must be an array of strings');
    const chunks: Buffer[] = [];
    let count = 0;
    for (const id of ids as string[])
      if (this.remove(id)) {
        count++;
        chunks.push(Buffer.concat([Buffer.from([DELETE]), lengthPrefixed(id)]));
      }
    this.append(chunks);
    return count;
  }

  getByIds(ids: unknown): Required<VectorMatch>[] {
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string'))
      throw new VectorInputError('ids must be an array of strings');
    return (ids as string[]).flatMap((id) => {
      const slot = this.slotOf.get(id);
      return slot === undefined
        ? []
        : [{ id, score: 1, values: [...this.valuesAt(slot)], metadata: this.metadata[slot]! }];
    });
  }

  /** The top-k by cosine among the vectors whose metadata `owner` equals the filter's (required). */
  query(
    vector: unknown,
    options: { topK?: unknown; filter?: unknown; returnValues?: unknown; returnMetadata?: unknown },
  ): VectorMatch[] {
    if (!Array.isArray(vector) || !vector.every((v) => Number.isFinite(v)))
      throw new VectorInputError('vector must be an array of finite numbers');
    const topK = options.topK ?? 5;
    if (typeof topK !== 'number' || !Number.isInteger(topK) || topK < 1 || topK > 100)
      throw new VectorInputError('topK is 1–100');
    const filter = options.filter as { owner?: string | { $eq?: string } } | undefined;
    const owner = typeof filter?.owner === 'string' ? filter.owner : filter?.owner?.$eq;
    if (typeof owner !== 'string' || Object.keys(filter ?? {}).length !== 1)
      throw new VectorInputError(
        'filter must be { owner } or { owner: { $eq } } (the only filter supported)',
      );
    if (this.dimensions === 0) return [];
    this.ensureDimensions(vector as number[]);
    const norm = Math.hypot(...(vector as number[])) || 1;
    const q = Float32Array.from(vector as number[], (v) => v / norm);
    const best: { slot: number; score: number }[] = [];
    const dims = this.dimensions;
    const slab = this.slab;
    for (const slot of this.byOwner.get(owner) ?? []) {
      const base = slot * dims;
      let score = 0;
      for (let i = 0; i < dims; i++) score += slab[base + i]! * q[i]!;
      if (best.length < topK) {
        best.push({ slot, score });
        best.sort((a, b) => b.score - a.score);
      } else if (score > best[topK - 1]!.score) {
        best[topK - 1] = { slot, score };
        best.sort((a, b) => b.score - a.score);
      }
    }
    return best.map(({ slot, score }) => ({
      id: this.ids[slot]!,
      score: Math.round(score * 1e6) / 1e6,
      ...(options.returnValues === true ? { values: [...this.valuesAt(slot)] } : {}),
      ...(options.returnMetadata === 'none' || options.returnMetadata === false
        ? {}
        : { metadata: this.metadata[slot]! }),
    }));
  }

  private valuesAt(slot: number): Float32Array {
    return this.slab.subarray(slot * this.dimensions, (slot + 1) * this.dimensions);
  }

  // Log format, one record after another: [1][u16 len][id][u32 len][metadata JSON][u16 dims][f32 × dims] for an
  // upsert, [2][u16 len][id] for a delete.
  private upsertRecord(id: string, metadata: VectorRecord['metadata'], slot: number): Buffer {
    const json = Buffer.from(JSON.stringify(metadata));
    const head = Buffer.alloc(4);
    head.writeUInt32LE(json.length);
    const dims = Buffer.alloc(2);
    dims.writeUInt16LE(this.dimensions);
    const values = Buffer.from(Float32Array.from(this.valuesAt(slot)).buffer);
    return Buffer.concat([Buffer.from([UPSERT]), lengthPrefixed(id), head, json, dims, values]);
  }

  private append(chunks: Buffer[]) {
    if (!this.file || chunks.length === 0) return;
    appendFileSync(this.file, Buffer.concat(chunks));
    this.logRecords += chunks.length;
    if (this.logRecords > 1000 && this.logRecords > 2 * this.count) this.compact();
  }

  /** Rewrites the log with only the live vectors (to a temporary file, then renamed: a crash keeps the old one). */
  private compact() {
    if (!this.file) return;
    const temporary = `${this.file}.tmp`;
    const fd = openSync(temporary, 'w');
    try {
      for (const [id, slot] of this.slotOf) writeSync(fd, this.upsertRecord(id, this.metadata[slot]!, slot));
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.file);
    this.logRecords = this.count;
  }

  private replay() {
    let log: Buffer;
    try {
      log = readFileSync(this.file!);
    } catch {
      return;
    }
    let at = 0;
    const readId = () => {
      const length = log.readUInt16LE(at);
      const id = log.toString('utf8', at + 2, at + 2 + length);
      at += 2 + length;
      return id;
    };
    // A record cut short by a crash ends the replay: everything before it was written whole.
    try {
      while (at < log.length) {
        const op = log[at++];
        const id = readId();
        if (op === DELETE) this.remove(id);
        else if (op === UPSERT) {
          const jsonLength = log.readUInt32LE(at);
          const metadata = JSON.parse(
            log.toString('utf8', at + 4, at + 4 + jsonLength),
          ) as VectorRecord['metadata'];
          at += 4 + jsonLength;
          const dims = log.readUInt16LE(at);
          at += 2;
          if (at + dims * 4 > log.length) break;
          const values = new Float32Array(
            log.buffer.slice(log.byteOffset + at, log.byteOffset + at + dims * 4),
          );
          at += dims * 4;
          this.ensureDimensions(values);
          this.put(id, values, metadata);
        } else break;
        this.logRecords++;
      }
    } catch (error) {
      if (!(error instanceof RangeError || error instanceof SyntaxError)) throw error;
    }
  }
}

function lengthPrefixed(id: string): Buffer {
  const bytes = Buffer.from(id);
  const length = Buffer.alloc(2);
  length.writeUInt16LE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** The indexes of one engine process, by name, persisted under `dir` (null: in memory only). */
export class VectorIndexes {
  private readonly indexes = new Map<string, VectorIndex>();

  constructor(private readonly dir: string | null) {
    if (dir) mkdirSync(dir, { recursive: true });
  }

  get(name: string): VectorIndex {
    if (!INDEX_NAME.test(name)) throw new VectorInputError(`bad index name ${name}`);
    let index = this.indexes.get(name);
    if (!index) {
      index = new VectorIndex(name, this.dir ? path.join(this.dir, `${name}.vectors`) : null);
      this.indexes.set(name, index);
    }
    return index;
  }
}
