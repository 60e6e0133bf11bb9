import { createDb, imageAi } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { makeJpeg, storeImage } from '../../../test/fixtures/cdn/images';
import { authed, call, createUser } from '../../../test/helpers';
import type { AnalyzeImageMessage } from '../../jobs/messages';
import { backfillPage } from './backfill';

const db = createDb(env.DB);
const jpeg = (ownerId: string, filename: string) =>
  storeImage(ownerId, {
    filename,
    bytes: makeJpeg(64, 48),
    contentType: 'image/jpeg',
    width: 64,
    height: 48,
  });

describe('analysis backfill', () => {
  it('pages through the owner’s images in bounded batches, queuing only those analysis has not served', async () => {
    const owner = await createUser('bea');
    const stranger = await createUser('bea-stranger');
    const fresh = await jpeg(owner.id, 'fresh.jpg');
    const failed = await jpeg(owner.id, 'failed.jpg');
    const done = await jpeg(owner.id, 'done.jpg');
    const oldIndex = await jpeg(owner.id, 'old-index.jpg');
    await jpeg(stranger.id, 'not-hers.jpg');
    const row = { ownerId: owner.id, colorsAt: new Date(), thumbhash: 'x' };
    await db.insert(imageAi).values([
      { ...row, imageId: failed.id, status: 'failed' },
      { ...row, imageId: done.id, status: 'done', embeddingIndex: 'use-lite-512' },
      { ...row, imageId: oldIndex.id, status: 'done', embeddingIndex: null },
    ]);

    const sent: AnalyzeImageMessage[] = [];
    const deps = {
      db,
      vectorIndex: 'use-lite-512',
      send: async (m: AnalyzeImageMessage[]) => void sent.push(...m),
    };
    const pages = [];
    let after: string | undefined;
    for (;;) {
      const page = await backfillPage(deps, owner.id, after, 3);
      pages.push(page);
      if (!page.next) break;
      after = page.next;
    }
    // Four images in pages of three: two pages, never more than three looked at by one message.
    expect(pages.map((p) => p.scanned)).toEqual([3, 1]);
    expect(sent.map((m) => m.imageId).sort()).toEqual([fresh.id, failed.id, oldIndex.id].sort());
    // One analysed before embeddings (no vector in this engine's index) is forced: a done analysis is otherwise kept.
    expect(sent.find((m) => m.imageId === oldIndex.id)?.force).toBe(true);
    expect(sent.find((m) => m.imageId === fresh.id)?.force).toBeUndefined();
    expect(sent.every((m) => m.ownerId === owner.id)).toBe(true);

    // Without an engine only what lacks colours (or failed) is queued: the done ones' vectors do not matter.
    const offSent: AnalyzeImageMessage[] = [];
    await backfillPage(
      { db, vectorIndex: null, send: async (m) => void offSent.push(...m) },
      owner.id,
      undefined,
      10,
    );
    expect(offSent.map((m) => m.imageId).sort()).toEqual([fresh.id, failed.id].sort());
  });

  it('POST /v1/analysis/backfill queues it for the caller (202, naming the engine)', async () => {
    const owner = await createUser('bea-api');
    const response = await call('/v1/analysis/backfill', authed(owner.key, { method: 'POST' }));
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ queued: true, engine: 'off' });
    const readOnly = await createUser('bea-ro', { scopes: ['images:read'] });
    expect((await call('/v1/analysis/backfill', authed(readOnly.key, { method: 'POST' }))).status).toBe(403);
  });
});
