import { describe, expect, it } from 'vitest';
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
});
