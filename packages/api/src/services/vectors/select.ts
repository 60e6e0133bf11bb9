import { VECTOR_INDEXES } from '@pixelflare/config';
import type { EnvVars } from '../../lib/env';
import { AppError } from '../../lib/errors';
import type { VectorIndex } from './index';
import { createLocalVectorIndex } from './local';
import { createVectorizeIndex, type VectorizeLike } from './vectorize';

/**
 * The vector index of the configured engine's embeddings: the local engine's for AI_ENGINE=local, the VECTORIZE
 * binding for workers-ai; null when analysis is off (search is then lexical).
 */
export function vectorIndexFor(
  config: Pick<EnvVars, 'AI_ENGINE' | 'AI_LOCAL_URL'>,
  vectorize: VectorizeLike | undefined,
): VectorIndex | null {
  if (config.AI_ENGINE === 'off') return null;
  if (config.AI_ENGINE === 'local') return createLocalVectorIndex(config.AI_LOCAL_URL, VECTOR_INDEXES.local);
  if (!vectorize)
    throw new AppError(503, 'MISCONFIGURED', 'AI_ENGINE is workers-ai but no VECTORIZE binding is bound');
  return createVectorizeIndex(vectorize, VECTOR_INDEXES['workers-ai']);
}
