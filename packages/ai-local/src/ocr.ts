import { createRequire } from 'node:module';
import path from 'node:path';
import { createWorker, type Worker } from 'tesseract.js';

const require = createRequire(import.meta.url);

/** The traineddata shipped in @tesseract.js-data/eng (best_int: 2.9 MB, the same text as 4.0.0 on clean images). */
const LANG_PATH = path.join(
  path.dirname(require.resolve('@tesseract.js-data/eng/package.json')),
  '4.0.0_best_int',
);
export const OCR_MODEL = 'tesseract.js@7.0.0/eng-4.0.0_best_int';

let worker: Promise<Worker> | undefined;

/** One Tesseract worker for the process, started on first use (about 0.3 s). */
function ocrWorker(): Promise<Worker> {
  // langPath is a local folder, so nothing is fetched; cacheMethod 'none' keeps it from writing eng.traineddata
  // into the working directory.
  worker ??= createWorker('eng', 1, { langPath: LANG_PATH, cacheMethod: 'none', gzip: true });
  return worker;
}

export interface OcrOutput {
  text: string;
  /** Tesseract's mean word confidence, 0–100. */
  confidence: number;
}

/** Text in an image (PNG or JPEG bytes). */
export async function recognize(image: Uint8Array): Promise<OcrOutput> {
  const { data } = await (await ocrWorker()).recognize(Buffer.from(image));
  return { text: data.text.trim(), confidence: data.confidence };
}

export async function stopOcr(): Promise<void> {
  const running = worker;
  worker = undefined;
  if (running) await (await running).terminate();
}
