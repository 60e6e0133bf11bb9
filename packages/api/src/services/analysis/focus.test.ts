import { createDb, imageAi } from '@pixelflare/database';
import { describe, expect, inject, it } from 'vitest';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { runQueueBatch } from '../../../test/queue';
import { readImageHeader } from '../../engines/image-size';
import type { Bindings } from '../../lib/env';
import { BLUE, RED, WHITE, colourAt, isClose, makeJpeg, storeImage } from '../../../test/fixtures/cdn/images';
import { call, createUser } from '../../../test/helpers';

describe('g=face and g=auto use the stored focal point', () => {
  it('a square crop of a wide picture keeps the face the analysis found, on the right edge', async () => {
    const owner = await createUser('fiona');
    // 1200×400: white, with the "face" (red) in the right-hand sixth and blue on the left.
    const bytes = makeJpeg(1200, 400, (x) => (x >= 1000 ? RED : x < 200 ? BLUE : WHITE));
    const image = await storeImage(owner.id, {
      filename: 'wide.jpg',
      bytes,
      contentType: 'image/jpeg',
      width: 1200,
      height: 400,
    });
    const crop = async (g: string) => {
      const response = await call(`/cdn/i/${image.shortId}/thumb?g=${g}&format=png`);
      expect(response.status).toBe(200);
      return new Uint8Array(await response.arrayBuffer());
    };
    // The centre of the picture is white.
    expect(isClose(colourAt(await crop('center'), 64, 64), WHITE)).toBe(true);
    await createDb(env.DB)
      .insert(imageAi)
      .values({
        imageId: image.id,
        ownerId: owner.id,
        status: 'done',
        focal: { x: 0.92, y: 0.5, source: 'faces' },
      });
    // The crop is the picture's right-hand third (scaled to 384×128, centred at 0.92 and held inside): red from x 64.
    const face = await crop('face');
    expect(isClose(colourAt(face, 100, 64), RED)).toBe(true);
    expect(isClose(colourAt(face, 20, 64), WHITE)).toBe(true);
    const auto = await crop('auto');
    expect(isClose(colourAt(auto, 100, 64), RED)).toBe(true);
    // The stored point is part of the variant: g=auto and g=face of one image are the same rendition.
    expect(auto).toEqual(face);
  });
});

describe('faces found by the local engine', () => {
  it('become the focal point, and a square g=face crop of the photo still has faces in it', async () => {
    const owner = await createUser('fiona-local');
    const bytes = Uint8Array.from(atob(inject('facePhoto')), (c) => c.charCodeAt(0));
    const size = readImageHeader(bytes)!;
    const image = await storeImage(owner.id, {
      filename: 'people.jpg',
      bytes,
      contentType: 'image/jpeg',
      width: size.width,
      height: size.height,
    });
    const result = await runQueueBatch(
      'pixelflare-variants',
      [{ type: 'analyze', imageId: image.id, ownerId: owner.id }],
      { bindings: { ...env, AI_ENGINE: 'local' } as Bindings },
    );
    expect(result.retryMessages).toEqual([]);
    const row = await createDb(env.DB).select().from(imageAi).where(eq(imageAi.imageId, image.id)).get();
    expect(row?.faces?.length).toBeGreaterThanOrEqual(3);
    expect(row?.facesModel).toBe('local/vladmandic-human@3.3.6/blazeface+centernet');
    expect(row?.focal?.source).toBe('faces');
    // Ask the same detector about the crop: it must still hold faces.
    const crop = await call(`/cdn/i/${image.shortId}?w=400&h=400&fit=cover&g=face&format=jpeg`);
    expect(crop.status).toBe(200);
    const detected = await fetch(
      `${inject('aiLocalUrl')}/run/${encodeURIComponent('@cf/facebook/detr-resnet-50')}`,
      {
        method: 'POST',
        body: JSON.stringify({ image: [...new Uint8Array(await crop.arrayBuffer())] }),
      },
    );
    const found = ((await detected.json()) as { result: { label: string; score: number }[] }).result;
    expect(found.filter((f) => f.label === 'face' && f.score >= 0.5).length).toBeGreaterThanOrEqual(1);
  });
});
