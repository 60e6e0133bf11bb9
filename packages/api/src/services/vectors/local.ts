import { AI_ANALYSIS } from '@pixelflare/config';
import {
  checkDimensions,
  VectorIndexError,
  type ImageVector,
  type VectorIndex,
  type VectorMatch,
} from './index';

/**
 * The local engine's vector index (packages/ai-local: `POST /vectors/<index>/<operation>`, Vectorize's operation
 * names and shapes, an exact scan persisted to a file).
 */
export function createLocalVectorIndex(
  baseUrl: string,
  index: { name: string; dimensions: number },
  fetcher: typeof fetch = fetch,
): VectorIndex {
  const call = async <T>(operation: string, body: unknown): Promise<T> => {
    let response: Response;
    try {
      response = await fetcher(`${baseUrl}/vectors/${encodeURIComponent(index.name)}/${operation}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(AI_ANALYSIS.timeoutMs),
      });
    } catch (error) {
      throw new VectorIndexError(`the local vector index at ${baseUrl} did not answer: ${String(error)}`);
    }
    const answer = (await response.json().catch(() => null)) as {
      result?: T;
      error?: { message?: string };
    } | null;
    if (!response.ok || answer?.result === undefined)
      throw new VectorIndexError(
        `the local vector index failed on ${operation} (${response.status}): ${answer?.error?.message ?? 'no answer'}`,
      );
    return answer.result;
  };
  return {
    ...index,
    async upsert(vectors) {
      for (const vector of vectors) checkDimensions(index, vector.values);
      if (vectors.length === 0) return;
      await call('upsert', {
        vectors: vectors.map(({ id, values, owner }) => ({ id, values, metadata: { owner } })),
      });
    },
    async query(values, { owner, topK }) {
      checkDimensions(index, values);
      const { matches } = await call<{ matches: VectorMatch[] }>('query', {
        vector: values,
        topK: Math.min(topK, 100),
        filter: { owner: { $eq: owner } },
        returnMetadata: 'none',
      });
      return matches.map(({ id, score }) => ({ id, score }));
    },
    async getByIds(ids) {
      if (ids.length === 0) return [];
      const found = await call<{ id: string; values: number[]; metadata: { owner: string } }[]>(
        'get_by_ids',
        {
          ids,
        },
      );
      return found.map((v): ImageVector => ({ id: v.id, values: v.values, owner: v.metadata.owner }));
    },
    async deleteByIds(ids) {
      if (ids.length > 0) await call('delete_by_ids', { ids });
    },
  };
}
