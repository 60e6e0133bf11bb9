// The PFSE segment format's own cost, in Node (the same WebCrypto and web streams code as the Worker): 100 MB
// (BENCH_ENCRYPTION_MB) encrypted and decrypted through the TransformStreams in 1 MiB chunks, and a 64 KiB range,
// each beside its baseline: the same bytes through an identity TransformStream (what streaming costs with no
// crypto), and AES-256-GCM over the whole buffer in one call (the crypto with no segmenting, holding it all).
// Peak RSS is sampled during each run: the streams should hold about a segment, the one-shot call the whole file.
// Run from the repository root: `pnpm --filter @pixelflare/bench encryption:format`. The Worker's end-to-end
// encrypted tus upload and download in workerd, beside unencrypted: `encryption` (encryption/run.mjs).
import {
  cipherRangeFor,
  decryptRangeStream,
  decryptStream,
  encryptStream,
  importContentKey,
  newKeyBytes,
  objectContext,
  PFSE_HEADER_BYTES,
} from '../../packages/shared/src/crypto/index.ts';

const MB = 1024 * 1024;
const SIZE = Number(process.env.BENCH_ENCRYPTION_MB ?? 100) * MB;
const CHUNK = MB;
const context = objectContext('img_bench', 'original');

function source(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + CHUNK));
      offset += CHUNK;
    },
  });
}

async function drain(stream: ReadableStream<Uint8Array>, keep = false): Promise<Uint8Array | number> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const part of stream as unknown as AsyncIterable<Uint8Array>) {
    total += part.length;
    if (keep) parts.push(part);
  }
  if (!keep) return total;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

async function measure<T>(
  name: string,
  bytes: number,
  run: () => Promise<T>,
): Promise<{ result: T; line: string }> {
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const started = performance.now();
  const result = await run();
  const ms = performance.now() - started;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  const line = `${name.padEnd(44)} ${((bytes / MB / ms) * 1000).toFixed(0).padStart(6)} MB/s   ${ms.toFixed(0).padStart(6)} ms   peak RSS +${((peak - base) / MB).toFixed(0).padStart(4)} MB`;
  return { result, line };
}

const plain = new Uint8Array(SIZE);
for (let i = 0; i < SIZE; i += 65536) crypto.getRandomValues(plain.subarray(i, Math.min(SIZE, i + 65536)));
const key = await importContentKey(newKeyBytes());

console.log(
  `PFSE v1, ${SIZE / MB} MB, 64 KiB segments, ${CHUNK / MB} MiB input chunks (Node ${process.version})\n`,
);
const identity = await measure('baseline: identity TransformStream', SIZE, () =>
  drain(source(plain).pipeThrough(new TransformStream())),
);
console.log(identity.line);
const oneShot = await measure('baseline: AES-256-GCM, whole buffer, 1 call', SIZE, async () =>
  crypto.subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, key, plain),
);
console.log(oneShot.line);
const sealed = await measure('encryptStream (discarding output)', SIZE, () =>
  drain(source(plain).pipeThrough(encryptStream(key, { context }))),
);
console.log(sealed.line);
const kept = (await drain(source(plain).pipeThrough(encryptStream(key, { context })), true)) as Uint8Array;
const opened = await measure('decryptStream (discarding output)', SIZE, () =>
  drain(source(kept).pipeThrough(decryptStream(key, { context }))),
);
console.log(opened.line);
const range = cipherRangeFor(SIZE, Math.floor(SIZE / 2), 65536);
const ranged = await measure('decryptRangeStream, 64 KiB in the middle', 65536, () =>
  drain(
    source(kept.subarray(range.offset, range.offset + range.length)).pipeThrough(
      decryptRangeStream(key, kept.subarray(0, PFSE_HEADER_BYTES), range, { context }),
    ),
  ),
);
console.log(ranged.line);
console.log(
  `\noverhead: ${(((kept.length - SIZE) / SIZE) * 100).toFixed(3)}% (${kept.length - SIZE} bytes); segments read for the range: ${range.lastSegment - range.firstSegment + 1}`,
);
if (opened.result !== SIZE || sealed.result !== kept.length) throw new Error('byte counts disagree');
