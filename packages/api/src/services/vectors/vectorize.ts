import {
  checkDimensions,
  VectorIndexError,
  type ImageVector,
  type VectorIndex,
  type VectorMatch,
} from './index';

/** The part of the Vectorize binding (V2, `Vectorize`) the adapter uses: a test's stand-in implements it. */
export interface VectorizeLike {
  upsert(vectors: { id: string; values: number[]; metadata?: Record<string, string> }[]): Promise<unknown>;
  query(
    vector: number[],
    options: {
      topK: number;
      filter?: { owner: { $eq: string } };
      returnValues?: boolean;
      returnMetadata?: 'none' | 'indexed' | 'all';
    },
  ): Promise<unknown>;
  getByIds(ids: string[]): Promise<unknown>;
  deleteByIds(ids: string[]): Promise<unknown>;
}

const fail = (operation: string, detail: unknown): never => {
  throw new VectorIndexError(`Vectorize ${operation} failed: ${String(detail)}`);
};

/** Checks a query answer has Vectorize's documented shape: `{ count, matches: [{ id, score, metadata? }] }`. */
function matchesOf(answer: unknown): VectorMatch[] {
  const matches = (answer as { matches?: unknown } | null)?.matches;
  if (
    !Array.isArray(matches) ||
    !matches.every(
      (m) => typeof (m as VectorMatch)?.id === 'string' && typeof (m as VectorMatch).score === 'number',
    )
  )
    fail('query', `unexpected answer ${JSON.stringify(answer).slice(0, 200)}`);
  return (matches as VectorMatch[]).map(({ id, score }) => ({ id, score }));
}

/**
 * The VECTORIZE binding behind the index interface. The index must be the one made for `name`'s model (bge-base,
 * 768, cosine) with a metadata index on `owner` (so the `owner` filter applies before top-k). Vectorize's writes
 * are asynchronous: an upserted vector is queryable a few seconds later.
 */
export function createVectorizeIndex(
  binding: VectorizeLike,
  index: { name: string; dimensions: number },
): VectorIndex {
  const guarded = async <T>(operation: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof VectorIndexError) throw error;
      return fail(operation, error);
    }
  };
  return {
    ...index,
    upsert: (vectors) =>
      guarded('upsert', async () => {
        for (const vector of vectors) checkDimensions(index, vector.values);
        if (vectors.length === 0) return;
        await binding.upsert(vectors.map(({ id, values, owner }) => ({ id, values, metadata: { owner } })));
      }),
    query: (values, { owner, topK }) =>
      guarded('query', async () => {
        checkDimensions(index, values);
        // Vectorize caps topK at 100 when metadata is returned, 50 with values; neither is asked for here.
        return matchesOf(
          await binding.query(values, {
            topK: Math.min(topK, 100),
            filter: { owner: { $eq: owner } },
            returnMetadata: 'none',
          }),
        );
      }),
    getByIds: (ids) =>
      guarded('getByIds', async () => {
        if (ids.length === 0) return [];
        const found = await binding.getByIds(ids);
        if (!Array.isArray(found))
          fail('getByIds', `unexpected answer ${JSON.stringify(found).slice(0, 200)}`);
        return (found as { id: string; values: ArrayLike<number>; metadata?: { owner?: unknown } }[]).flatMap(
          (vector): ImageVector[] =>
            typeof vector.metadata?.owner === 'string'
              ? [{ id: vector.id, values: Array.from(vector.values), owner: vector.metadata.owner }]
              : [],
        );
      }),
    deleteByIds: (ids) =>
      guarded('deleteByIds', async () => {
        // Vectorize takes at most 1000 ids per call.
        for (let at = 0; at < ids.length; at += 1000) await binding.deleteByIds(ids.slice(at, at + 1000));
      }),
  };
}
