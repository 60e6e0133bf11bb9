// One tus upload as the benches make it: tus-js-client (the API's own dev dependency), 10 MB chunks, no retries,
// the image id read from the final PATCH's Pixelflare-Image-Id header.
import { createRequire } from 'node:module';
import path from 'node:path';
import { repoRoot } from './runner.mjs';

const tus = createRequire(path.join(repoRoot, 'packages/api/package.json'))('tus-js-client');
export const TUS_CHUNK_BYTES = 10 * 1024 * 1024;

/**
 * Uploads `file` (a Buffer) to `${base}/v1/uploads/tus` with `headers` (the API key) and `metadata`; resolves with
 * the image id once the last PATCH has answered (ingest has stored the original). `onChunk(sentBytes)` is optional.
 */
export async function tusUpload(file, { base, headers, metadata, onChunk }) {
  let imageId;
  await new Promise((resolve, reject) => {
    new tus.Upload(file, {
      endpoint: `${base}/v1/uploads/tus`,
      chunkSize: TUS_CHUNK_BYTES,
      headers,
      metadata,
      retryDelays: null,
      onAfterResponse: (_req, res) => {
        imageId = res.getHeader('Pixelflare-Image-Id') ?? imageId;
      },
      onChunkComplete: (_size, sent) => onChunk?.(sent),
      onError: reject,
      onSuccess: resolve,
    }).start();
  });
  if (!imageId) throw new Error('the tus upload did not produce an image');
  return imageId;
}
