import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DETECT_MODEL, detect } from './detect';
import { BadEmbedInput, EMBED_MODEL, embed, stopEmbedder } from './embed';
import { MODERATION_MODEL, moderate, stopModeration } from './moderate';
import { OCR_MODEL, recognize, stopOcr } from './ocr';
import { VectorIndexes, VectorInputError } from './vectors';

/**
 * The local AI engine's HTTP face: `POST /run/<model id>` takes the JSON input Workers AI takes for that model and
 * answers `{ result, model }`: the output in Workers AI's shape, and the model that really produced it. Models it
 * does not have answer 404 with `MODEL_UNAVAILABLE`, so the Worker records "not available here" rather than guess.
 */
const MODELS: Record<
  string,
  { model: string; run: (input: { image?: unknown; text?: unknown }) => Promise<unknown> }
> = {
  'pixelflare/ocr': { model: OCR_MODEL, run: (input) => recognize(imageOf(input)) },
  // Workers AI's object detector's shape, answered by human's face detector (label `face`) and COCO-80 centernet.
  '@cf/facebook/detr-resnet-50': { model: DETECT_MODEL, run: (input) => detect(imageOf(input)) },
  // Workers AI's text embedding shape ({ text } → { shape, data }), answered by USE lite: 512-d, not bge's 768.
  '@cf/baai/bge-base-en-v1.5': { model: EMBED_MODEL, run: (input) => embed(input) },
  // Not a Workers AI model (it has none for this): a moderation score, only ever a flag for review.
  'pixelflare/moderation': { model: MODERATION_MODEL, run: (input) => moderate(imageOf(input)) },
};

/**
 * Vectorize's operations over HTTP, as its REST API names them (`POST /vectors/<index>/upsert`, `query`,
 * `get_by_ids`, `delete_by_ids`): the local vector index. Not queued behind the models: a query is a scan in
 * memory, milliseconds.
 */
const VECTOR_OPS: Record<
  string,
  (indexes: VectorIndexes, name: string, body: Record<string, unknown>) => unknown
> = {
  upsert: (indexes, name, body) => ({ count: indexes.get(name).upsert(body.vectors) }),
  query: (indexes, name, body) => {
    const matches = indexes.get(name).query(body.vector, body);
    return { count: matches.length, matches };
  },
  get_by_ids: (indexes, name, body) => indexes.get(name).getByIds(body.ids),
  delete_by_ids: (indexes, name, body) => ({ count: indexes.get(name).deleteByIds(body.ids) }),
  info: (indexes, name) => {
    const index = indexes.get(name);
    return { name, dimensions: index.dimensions, vectorCount: index.count };
  },
};

class BadInput extends Error {}

function imageOf(input: { image?: unknown }): Uint8Array {
  const image = input.image;
  if (
    !Array.isArray(image) ||
    image.length === 0 ||
    !image.every((b) => Number.isInteger(b) && b >= 0 && b < 256)
  )
    throw new BadInput('image must be an array of bytes');
  return Uint8Array.from(image as number[]);
}

async function bodyOf(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

// One model run at a time: the machine this is for may have two cores, and each model wants one of them.
let queue: Promise<unknown> = Promise.resolve();
function serially<T>(work: () => Promise<T>): Promise<T> {
  const next = queue.then(work, work);
  queue = next.catch(() => undefined);
  return next;
}

export function createAiServer(options: { vectorDir?: string | null } = {}): Server {
  const indexes = new VectorIndexes(options.vectorDir ?? null);
  return createServer((request, response) => {
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const url = new URL(request.url ?? '/', 'http://local');
    if (request.method === 'GET' && url.pathname === '/health') {
      send(200, {
        ok: true,
        models: Object.fromEntries(Object.entries(MODELS).map(([id, m]) => [id, m.model])),
      });
      return;
    }
    const vectorOp = /^\/vectors\/([^/]+)\/([a-z_]+)$/.exec(url.pathname);
    if (request.method === 'POST' && vectorOp && VECTOR_OPS[vectorOp[2]!]) {
      bodyOf(request)
        .then((body) =>
          send(200, {
            result: VECTOR_OPS[vectorOp[2]!]!(
              indexes,
              decodeURIComponent(vectorOp[1]!),
              body as Record<string, unknown>,
            ),
          }),
        )
        .catch((error: unknown) =>
          error instanceof VectorInputError || error instanceof SyntaxError
            ? send(400, { error: { code: 'VALIDATION_FAILED', message: (error as Error).message } })
            : send(500, { error: { code: 'VECTORS_FAILED', message: String(error) } }),
        );
      return;
    }
    const match = /^\/run\/(.+)$/.exec(url.pathname);
    if (request.method !== 'POST' || !match) {
      send(404, { error: { code: 'NOT_FOUND', message: 'POST /run/<model id>' } });
      return;
    }
    const id = decodeURIComponent(match[1]!);
    const entry = MODELS[id];
    if (!entry) {
      // Read the body first: answering while the client still sends it breaks its request (workerd reports it).
      request.resume();
      request.once('end', () =>
        send(404, {
          error: { code: 'MODEL_UNAVAILABLE', message: `The local engine has no model for ${id}` },
        }),
      );
      return;
    }
    bodyOf(request)
      .then((input) => serially(() => entry.run(input as { image?: unknown; text?: unknown })))
      .then(
        (result) => send(200, { result, model: `local/${entry.model}` }),
        (error: unknown) =>
          error instanceof BadInput || error instanceof BadEmbedInput || error instanceof SyntaxError
            ? send(400, { error: { code: 'VALIDATION_FAILED', message: String((error as Error).message) } })
            : send(500, { error: { code: 'MODEL_FAILED', message: String(error) } }),
      );
  });
}

/** Starts the engine on 127.0.0.1 (port 0: any free one) and resolves to its URL and a stop function. */
export async function startAiServer(
  port: number,
  vectorDir: string | null = null,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const server = createAiServer({ vectorDir });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([stopOcr(), stopEmbedder(), stopModeration()]);
    },
  };
}
