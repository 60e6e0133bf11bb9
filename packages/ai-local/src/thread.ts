import { Worker } from 'node:worker_threads';

/**
 * A model in a worker thread of its own (started on first use): a request gets the answer its id names. The
 * thread keeps the process alive only while an answer is awaited. A thread that dies fails what was waiting and is
 * started again by the next call.
 */
export function modelThread<I extends object, O>(script: URL) {
  let worker: Worker | undefined;
  let nextId = 0;
  const waiting = new Map<number, { resolve: (value: O) => void; reject: (error: Error) => void }>();

  const start = () => {
    const started = new Worker(script);
    started.on('message', (message: { id: number; error?: string } & Record<string, unknown>) => {
      const waiter = waiting.get(message.id);
      waiting.delete(message.id);
      if (waiting.size === 0) started.unref();
      if (message.error !== undefined) waiter?.reject(new Error(message.error));
      else waiter?.resolve(message as unknown as O);
    });
    started.on('error', (error) => {
      for (const waiter of waiting.values()) waiter.reject(error);
      waiting.clear();
      worker = undefined;
    });
    started.unref();
    return started;
  };

  return {
    call(input: I): Promise<O> {
      const id = nextId++;
      return new Promise<O>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker ??= start();
        worker.ref();
        worker.postMessage({ ...input, id });
      });
    },
    async stop(): Promise<void> {
      const running = worker;
      worker = undefined;
      await running?.terminate();
    },
  };
}
