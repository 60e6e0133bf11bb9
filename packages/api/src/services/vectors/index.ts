import { AiEngineError } from '../ai/models';

/** One image's vector: its id is the image id, `owner` the metadata every query filters on. */
export interface ImageVector {
  id: string;
  values: number[];
  owner: string;
}

export interface VectorMatch {
  id: string;
  /** Cosine similarity, 1 = the same direction. */
  score: number;
}

/**
 * A vector index with Vectorize's operations, holding the embeddings of one model (its name says which, and the
 * dimension): vectors of different models never share an index. Production: the VECTORIZE binding; locally: the
 * local engine's index (packages/ai-local). Every query is scoped to one owner.
 */
export interface VectorIndex {
  /** e.g. `use-lite-512`: the model and dimension of every vector in it. */
  readonly name: string;
  readonly dimensions: number;
  upsert(vectors: ImageVector[]): Promise<void>;
  /** The owner's nearest `topK` vectors to `values`, most similar first. */
  query(values: number[], options: { owner: string; topK: number }): Promise<VectorMatch[]>;
  /** The stored vectors of these ids (those it has), with their owners. */
  getByIds(ids: string[]): Promise<ImageVector[]>;
  deleteByIds(ids: string[]): Promise<void>;
}

/** A vector index call that failed (the service, not the input): the analysis message is retried. */
export class VectorIndexError extends AiEngineError {}

/** Refuses a vector of the wrong size before it reaches an index of another model. */
export function checkDimensions(index: Pick<VectorIndex, 'name' | 'dimensions'>, values: number[]): void {
  if (values.length !== index.dimensions)
    throw new VectorIndexError(
      `index ${index.name} holds ${index.dimensions}-d vectors; a ${values.length}-d vector belongs to another model`,
    );
}
