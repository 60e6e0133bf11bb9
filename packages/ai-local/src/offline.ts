/**
 * Loaded with `node --import` before anything else, in the main thread and (inherited through execArgv) in every
 * worker thread: the local engine must never reach the network, so a model that tries to download its weights
 * fails loudly instead of working on a connected machine and failing on an offline one.
 */
const blocked = (input: unknown): never => {
  const url = input instanceof Request ? input.url : String(input);
  throw new Error(`network fetch blocked in the local AI engine: ${url}`);
};
globalThis.fetch = (async (input: unknown) => blocked(input)) as typeof fetch;
export {};
