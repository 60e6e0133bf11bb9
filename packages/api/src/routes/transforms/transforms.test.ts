import { beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg, storeImage } from '../../../test/fixtures/cdn/images';
import { authed, call, createUser, errorOf, type TestUser } from '../../../test/helpers';
import { readImageHeader } from '../../engines/image-size';

let owner: TestUser;
let other: TestUser;

const send = (user: TestUser, method: string, path: string, body?: unknown) =>
  call(
    `/v1${path}`,
    authed(user.key, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );

beforeAll(async () => {
  owner = await createUser('nina');
  other = await createUser('oscar');
  await storeImage(owner.id, {
    filename: 'card.jpg',
    bytes: makeJpeg(1600, 1200),
    contentType: 'image/jpeg',
    width: 1600,
    height: 1200,
  });
});

describe('named transforms', () => {
  it('creates, reads, lists, updates and deletes, scoped to the owner', async () => {
    const created = await send(owner, 'POST', '/transforms', {
      name: 'card',
      params: { w: '300', h: '200', fit: 'cover' },
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({
      name: 'card',
      params: { w: '300', h: '200', fit: 'cover' },
    });

    expect((await send(owner, 'POST', '/transforms', { name: 'card', params: {} })).status).toBe(409);
    expect((await send(owner, 'GET', '/transforms/card')).status).toBe(200);
    expect((await send(other, 'GET', '/transforms/card')).status).toBe(404);
    expect((await send(other, 'DELETE', '/transforms/card')).status).toBe(404);
    const list = (await (await send(owner, 'GET', '/transforms')).json()) as { data: { name: string }[] };
    expect(list.data.map((item) => item.name)).toEqual(['card']);

    const updated = await send(owner, 'PATCH', '/transforms/card', {
      params: { w: '320', h: '200', fit: 'cover' },
    });
    expect(await updated.json()).toMatchObject({ params: { w: '320' } });

    expect((await send(owner, 'POST', '/transforms', { name: 'temp', params: { w: '10' } })).status).toBe(
      201,
    );
    expect((await send(owner, 'DELETE', '/transforms/temp')).status).toBe(204);
    expect((await send(owner, 'GET', '/transforms/temp')).status).toBe(404);
  });

  it('refuses invalid parameters naming them', async () => {
    const response = await send(owner, 'POST', '/transforms', { name: 'bad', params: { w: '0', zoom: '2' } });
    expect(response.status).toBe(400);
    const paths = (await errorOf(response)).issues?.map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(['params.w', 'params.zoom']));
    expect((await send(owner, 'POST', '/transforms', { name: 'Bad Name', params: {} })).status).toBe(400);
  });

  it('applies ?t= on the CDN with its parameters locked against the URL', async () => {
    await send(owner, 'POST', '/transforms', {
      name: 'square',
      params: { w: '150', h: '150', fit: 'cover', f: 'png' },
    });
    const response = await call('/cdn/nina/default/card.jpg?t=square&w=999');
    expect(response.status).toBe(200);
    expect(readImageHeader(new Uint8Array(await response.arrayBuffer()))).toEqual({
      format: 'png',
      width: 150,
      height: 150,
    });
    // Unlocked parameters still apply.
    const rotated = await call('/cdn/nina/default/card.jpg?t=square&rotate=90');
    expect(readImageHeader(new Uint8Array(await rotated.arrayBuffer()))).toEqual({
      format: 'png',
      width: 150,
      height: 150,
    });
  });
});
