import { createDb } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { VariantsQueueMessage } from '../../jobs/messages';
import { mergeTags, renameTag } from '../../services/tags/tags';
import { recordingQueue } from '../../../test/recording-queue';
import { authed, call, createUser } from '../../../test/helpers';
import { fixture } from '../../../test/fixtures/fixtures.generated';
import { upload, uploadForm } from '../../../test/fixtures/upload-helpers';

const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

describe('/v1/tags', () => {
  it('counts, renames and merges tags', async () => {
    const owner = await createUser('tagger');
    const a = (await (
      await upload(owner, uploadForm(fixture('tiny.png'), 'a.png', { tags: 'cat,pet' }))
    ).json()) as {
      id: string;
    };
    await upload(owner, uploadForm(fixture('tiny.gif'), 'b.gif', { tags: 'kitty' }));
    const tags = async () =>
      ((await (await call('/v1/tags', authed(owner.key))).json()) as { data: unknown[] }).data;
    expect(await tags()).toEqual([
      { name: 'cat', count: 1 },
      { name: 'kitty', count: 1 },
      { name: 'pet', count: 1 },
    ]);

    const clash = await call('/v1/tags/kitty', authed(owner.key, json('PATCH', { name: 'cat' })));
    expect(clash.status).toBe(409);
    expect(
      (await call('/v1/tags/kitty/merge', authed(owner.key, json('POST', { into: 'cat' })))).status,
    ).toBe(204);
    expect((await call('/v1/tags/pet', authed(owner.key, json('PATCH', { name: 'animal' })))).status).toBe(
      204,
    );
    expect(await tags()).toEqual([
      { name: 'animal', count: 1 },
      { name: 'cat', count: 2 },
    ]);
    const image = await (await call(`/v1/images/${a.id}`, authed(owner.key))).json();
    expect(image).toMatchObject({ tags: ['animal', 'cat'] });

    const other = await createUser('tag-intruder');
    expect((await call('/v1/tags/cat', authed(other.key, json('PATCH', { name: 'dog' })))).status).toBe(404);
  });

  it('asks for the embeddings of every image of a renamed or merged tag again (their text names it)', async () => {
    const owner = await createUser('tag-embeds');
    const idOf = async (response: Response) => ((await response.json()) as { id: string }).id;
    const sea = [
      await idOf(await upload(owner, uploadForm(fixture('tiny.png'), 'a.png', { tags: 'sea' }))),
      await idOf(await upload(owner, uploadForm(fixture('tiny.gif'), 'b.gif', { tags: 'sea,sky' }))),
    ].sort();
    await upload(owner, uploadForm(fixture('tiny.webp'), 'c.webp', { tags: 'sky' }));
    const db = createDb(env.DB);
    const asked = (sent: VariantsQueueMessage[]) =>
      sent.map((message) => ('imageId' in message ? message.imageId : '')).sort();

    const renamed = recordingQueue<VariantsQueueMessage>();
    await renameTag(db, owner.id, 'sea', 'ocean', renamed.queue);
    expect(renamed.sent.every((message) => message.type === 'embed' && message.ownerId === owner.id)).toBe(
      true,
    );
    expect(asked(renamed.sent)).toEqual(sea);

    const merged = recordingQueue<VariantsQueueMessage>();
    await mergeTags(db, owner.id, 'ocean', 'water', merged.queue);
    expect(asked(merged.sent)).toEqual(sea);
  });
});
