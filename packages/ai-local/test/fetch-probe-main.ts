import { Worker } from 'node:worker_threads';

// Started as the engine is (`--import tsx --import ./src/offline.ts`): prints what a fetch in a worker thread does.
const worker = new Worker(new URL('./fetch-probe.ts', import.meta.url));
worker.once('message', (message: string) => {
  console.log(message);
  process.exit(0);
});
