/**
 * Image search's embeddings: the Workers AI model and the Vectorize index shape that `pnpm provision` creates.
 * An index's dimensions and metric are fixed at creation, so changing the model means a new index.
 */
export const EMBEDDING_MODEL = '@cf/baai/bge-base-en-v1.5';
/** bge-base-en-v1.5 returns 768-dimensional vectors. */
export const VECTORIZE_DIMENSIONS = 768;
export const VECTORIZE_METRIC = 'cosine';
