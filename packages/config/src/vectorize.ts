/**
 * Image search's embeddings: the Workers AI model and the Vectorize index shape that `pnpm provision` creates.
 * An index's dimensions and metric are fixed at creation, so changing the model means a new index.
 */
export const EMBEDDING_MODEL = '@cf/baai/bge-base-en-v1.5';
/** bge-base-en-v1.5 returns 768-dimensional vectors. */
export const VECTORIZE_DIMENSIONS = 768;
export const VECTORIZE_METRIC = 'cosine';
/**
 * The metadata properties every index gets an index on (Vectorize filters only on indexed properties, and applies
 * such a filter before top-k): every query is scoped to one `owner`.
 */
export const VECTORIZE_METADATA_INDEXES = [{ propertyName: 'owner', type: 'string' }] as const;
