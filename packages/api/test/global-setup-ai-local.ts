import { spawnAiLocal } from '@pixelflare/ai-local/spawn';

declare module 'vitest' {
  interface ProvidedContext {
    /** The local AI engine's origin (packages/ai-local, its own process with outbound fetch blocked). */
    aiLocalUrl: string;
  }
}

/**
 * Vitest global setup for the API's tests: the real local AI engine for the whole run. Its models load on first
 * use, so a run whose tests never analyse an image pays only the process start.
 */
export default async function setup(project: { provide: (key: 'aiLocalUrl', value: string) => void }) {
  const engine = await spawnAiLocal();
  project.provide('aiLocalUrl', engine.url);
  return engine.stop;
}
