import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnAiLocal } from '../src/spawn';
import { textImage } from './text-image';

let engine: Awaited<ReturnType<typeof spawnAiLocal>>;
beforeAll(async () => {
  engine = await spawnAiLocal();
});
afterAll(() => engine?.stop());

const run = (model: string, body: unknown) =>
  fetch(`${engine.url}/run/${encodeURIComponent(model)}`, { method: 'POST', body: JSON.stringify(body) });

describe('local AI engine (its own process, outbound fetch blocked)', () => {
  it('reads the words of a text image, naming the model that did', async () => {
    const response = await run('pixelflare/ocr', { image: [...textImage('Invoice 2026 total 42 EUR')] });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { result: { text: string; confidence: number }; model: string };
    expect(body.result.text).toBe('Invoice 2026 total 42 EUR');
    expect(body.result.confidence).toBeGreaterThan(80);
    expect(body.model).toBe('local/tesseract.js@7.0.0/eng-4.0.0_best_int');
  });

  it('finds the faces in a photo (human ships one: its face-detection screenshot) and none in text', async () => {
    const humanDir = path.dirname(path.dirname(createRequire(import.meta.url).resolve('@vladmandic/human')));
    const photo = readFileSync(path.join(humanDir, 'assets', 'screenshot-facedetect.jpg'));
    const response = await run('@cf/facebook/detr-resnet-50', { image: [...photo] });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      result: {
        label: string;
        score: number;
        box: { xmin: number; ymin: number; xmax: number; ymax: number };
      }[];
      model: string;
    };
    expect(body.model).toBe('local/vladmandic-human@3.3.6/blazeface+centernet');
    const faces = body.result.filter((found) => found.label === 'face' && found.score >= 0.5);
    expect(faces.length).toBeGreaterThanOrEqual(3);
    for (const face of faces) expect(face.box.xmax).toBeGreaterThan(face.box.xmin);
    const text = await run('@cf/facebook/detr-resnet-50', { image: [...textImage('No faces in here')] });
    const inText = ((await text.json()) as { result: { label: string; score: number }[] }).result;
    expect(inText.filter((found) => found.label === 'face' && found.score >= 0.5)).toEqual([]);
  });

  it('scores an image for moderation with nsfwjs (five classes, nsfw = Porn + Hentai), low for a screenshot', async () => {
    const response = await run('pixelflare/moderation', { image: [...textImage('Quarterly report 2026')] });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      result: { scores: { label: string; score: number }[]; nsfw: number };
      model: string;
    };
    expect(body.model).toBe('local/nsfwjs@4.4.0/mobilenet_v2');
    expect(body.result.scores.map((s) => s.label).sort()).toEqual([
      'Drawing',
      'Hentai',
      'Neutral',
      'Porn',
      'Sexy',
    ]);
    expect(body.result.nsfw).toBeLessThan(0.5);
  });

  it('lists its models; a model it lacks is 404 MODEL_UNAVAILABLE, a bad input 400', async () => {
    const health = (await (await fetch(`${engine.url}/health`)).json()) as { models: Record<string, string> };
    expect(Object.keys(health.models)).toContain('pixelflare/ocr');
    const missing = await run('@cf/llava-hf/llava-1.5-7b-hf', { image: [1], prompt: 'x' });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('MODEL_UNAVAILABLE');
    expect((await run('pixelflare/ocr', { image: 'not bytes' })).status).toBe(400);
  });
});

describe('the offline guard', () => {
  it('makes every outbound fetch throw once loaded', async () => {
    const original = globalThis.fetch;
    try {
      await import('../src/offline');
      await expect(fetch('https://cdn.jsdelivr.net/npm/@tesseract.js-data/eng')).rejects.toThrow(/blocked/);
    } finally {
      globalThis.fetch = original;
    }
  });
});
