import { parentPort } from 'node:worker_threads';

// A worker thread like the engine's model threads: reports what an outbound fetch does in it.
fetch('https://tfhub.dev/model.json').then(
  () => parentPort!.postMessage('reached the network'),
  (error: unknown) => parentPort!.postMessage(String((error as Error).message)),
);
