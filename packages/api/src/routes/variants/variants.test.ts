import { VARIANT_NAMES } from '@pixelflare/config';
import type { ImageVariant } from '@pixelflare/shared';
import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { makeJpeg, storeImage } from '../../../test/fixtures/cdn/images';
import { authed, call, createUser } from '../../../test/helpers';
import { runQueueBatch } from '../../../test/queue';

const renderAhead = (body: unknown) => runQueueBatch('pixelflare-variants', [body]);

describe('GET /v1/images/:id/variants', () => {
  it('lists every enabled preset with its URL, and the renditions stored for it as they appear', async () => {
    const owner = await createUser('viv');
    const image = await storeImage(owner.id, {
      filename: 'dunes.jpg',
      bytes: makeJpeg(1600, 1200),
      contentType: 'image/jpeg',
      width: 1600,
      height: 1200,
    });
    const list = async () => {
      const response = await call(`/v1/images/${image.id}/variants`, authed(owner.key));
      expect(response.status).toBe(200);
      return ((await response.json()) as { data: ImageVariant[] }).data;
    };

    const before = await list();
    expect(before.map((variant) => variant.preset)).toEqual(VARIANT_NAMES);
    expect(before.every((variant) => variant.formats.length === 0)).toBe(true);
    expect(before.find((variant) => variant.preset === 'thumb')).toMatchObject({
      width: 128,
      height: 128,
      fit: 'cover',
      url: expect.stringMatching(/\/cdn\/viv\/default\/dunes\.jpg\/thumb$/),
    });

    await renderAhead({ type: 'generate', imageId: image.id, ownerId: owner.id, variants: ['w128'] });
    const after = await list();
    const w128 = after.find((variant) => variant.preset === 'w128');
    expect(w128?.formats.map((f) => `${f.format}:${f.status}:${f.width}x${f.height}`)).toEqual([
      'avif:ready:128x96',
      'webp:ready:128x96',
    ]);
    expect(w128?.formats.every((f) => (f.bytes ?? 0) > 0)).toBe(true);
    expect(after.filter((variant) => variant.formats.length > 0)).toHaveLength(1);

    // A preset served by the CDN for the first time is stored and shows up too.
    const cdn = await call(`/cdn/viv/default/dunes.jpg/w256`, { headers: { Accept: 'image/webp' } });
    expect(cdn.status).toBe(200);
    await cdn.arrayBuffer();
    const served = (await list()).find((variant) => variant.preset === 'w256');
    expect(served?.formats.map((f) => f.status)).toContain('ready');
  });

  it('shows only the presets ALLOWED_VARIANTS enables', async () => {
    const owner = await createUser('wes');
    const image = await storeImage(owner.id, {
      filename: 'a.jpg',
      bytes: makeJpeg(64, 64),
      contentType: 'image/jpeg',
      width: 64,
      height: 64,
    });
    const { createApp } = await import('../../app');
    const ctx = createExecutionContext();
    const response = await createApp().fetch(
      new Request(`http://localhost:8787/v1/images/${image.id}/variants`, authed(owner.key)),
      { ...env, ALLOWED_VARIANTS: '["thumb","w1024","w512","w256"]' },
      ctx,
    );
    const { data } = (await response.json()) as { data: ImageVariant[] };
    expect(data.map((variant) => variant.preset)).toEqual(['w256', 'w512', 'w1024', 'thumb']);
  });
});
