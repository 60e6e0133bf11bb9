import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { spawnAiLocal } from '@pixelflare/ai-local/spawn';

declare module 'vitest' {
  interface ProvidedContext {
    /** The local AI engine's origin (packages/ai-local, its own process with outbound fetch blocked). */
    aiLocalUrl: string;
    /**
     * A photo with faces, base64 (workerd has no filesystem): the face-detection screenshot @vladmandic/human ships
     * (MIT), the only photo of people on the machine.
     */
    facePhoto: string;
  }
}

/**
 * Vitest global setup for the API's tests: the real local AI engine for the whole run. Its models load on first
 * use, so a run whose tests never analyse an image pays only the process start.
 */
export default async function setup(project: {
  provide: (key: 'aiLocalUrl' | 'facePhoto', value: string) => void;
}) {
  const engine = await spawnAiLocal();
  project.provide('aiLocalUrl', engine.url);
  const require = createRequire(import.meta.url);
  const humanDir = path.dirname(
    path.dirname(
      require.resolve('@vladmandic/human', { paths: [require.resolve('@pixelflare/ai-local/spawn')] }),
    ),
  );
  project.provide(
    'facePhoto',
    readFileSync(path.join(humanDir, 'assets', 'screenshot-facedetect.jpg')).toString('base64'),
  );
  return engine.stop;
}
