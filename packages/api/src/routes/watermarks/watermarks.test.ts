import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BLUE,
  RED,
  colourAt,
  isClose,
  makePng,
  storeImage,
  type Rgb,
  type StoredImage,
} from '../../../test/fixtures/cdn/images';
import { requestWith } from '../../../test/fixtures/cdn/request';
import { authed, call, createUser, errorOf, type TestUser } from '../../../test/helpers';
import { runQueueBatch } from '../../../test/queue';
import { waitFor } from '../../../test/wait-for';

/**
 * Watermarks end to end: marking (owner-scoped), `?wm=` on the CDN with real pixels, replacing (a new variant
 * key), unmarking, a named transform locking its watermark, and an album forcing it on every public URL.
 */
let owner: TestUser;
let other: TestUser;
let photo: StoredImage;
let redMark: StoredImage;
let blueMark: StoredImage;
const BLACK: Rgb = [0, 0, 0];
const photoBytes = makePng(400, 300, () => BLACK);

const send = (user: TestUser, method: string, path: string, body?: unknown) =>
  call(
    `/v1${path}`,
    authed(user.key, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );

const png = async (response: Response) => {
  expect(response.status, await response.clone().text()).toBe(200);
  return new Uint8Array(await response.arrayBuffer());
};

beforeAll(async () => {
  owner = await createUser('wendy');
  other = await createUser('xavier');
  const store = (filename: string, bytes: Uint8Array, width: number, height: number, album?: string) =>
    storeImage(owner.id, { filename, bytes, contentType: 'image/png', width, height, album });
  photo = await store('night.png', photoBytes, 400, 300);
  redMark = await store(
    'red-logo.png',
    makePng(40, 20, () => RED),
    40,
    20,
  );
  blueMark = await store(
    'blue-logo.png',
    makePng(40, 20, () => BLUE),
    40,
    20,
  );
});

describe('marking watermarks', () => {
  it('marks, lists and reads, one name per owner and one name per image', async () => {
    const created = await send(owner, 'POST', '/watermarks', { name: 'logo', image_id: redMark.id });
    expect(created.status, await created.clone().text()).toBe(201);
    expect(await created.json()).toMatchObject({ name: 'logo', image_id: redMark.id });
    expect((await send(owner, 'POST', '/watermarks', { name: 'logo', image_id: blueMark.id })).status).toBe(
      409,
    );
    expect((await send(owner, 'POST', '/watermarks', { name: 'again', image_id: redMark.id })).status).toBe(
      409,
    );
    const list = (await (await send(owner, 'GET', '/watermarks')).json()) as { data: { name: string }[] };
    expect(list.data.map((item) => item.name)).toEqual(['logo']);
    expect((await send(owner, 'GET', '/watermarks/logo')).status).toBe(200);
  });

  it("another owner can neither mark, read, replace, unmark nor draw someone's watermark", async () => {
    const mark = await send(other, 'POST', '/watermarks', { name: 'stolen', image_id: blueMark.id });
    expect(mark.status).toBe(400);
    expect((await errorOf(mark)).issues?.map((issue) => issue.path)).toEqual(['image_id']);
    expect((await send(other, 'GET', '/watermarks/logo')).status).toBe(404);
    expect((await send(other, 'PUT', '/watermarks/logo', { image_id: blueMark.id })).status).toBe(404);
    expect((await send(other, 'DELETE', '/watermarks/logo')).status).toBe(404);
    // Naming it in a transform, or in a URL of their own image.
    const transform = await send(other, 'POST', '/transforms', { name: 'steal', params: { wm: 'logo' } });
    expect(transform.status).toBe(400);
    expect((await errorOf(transform)).issues?.map((issue) => issue.path)).toEqual(['params.wm']);
    await storeImage(other.id, {
      filename: 'own.png',
      bytes: makePng(40, 40, () => BLACK),
      contentType: 'image/png',
      width: 40,
      height: 40,
    });
    const cdn = await call('/cdn/xavier/default/own.png?wm=logo');
    expect(cdn.status).toBe(400);
    expect((await errorOf(cdn)).issues?.map((issue) => issue.path)).toEqual(['wm']);
  });

  it('refuses images the engines cannot draw, and bad names, with 400s', async () => {
    const svg = await storeImage(owner.id, {
      filename: 'vector.svg',
      bytes: new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>'),
      contentType: 'image/svg+xml',
      width: 4,
      height: 4,
    });
    expect((await send(owner, 'POST', '/watermarks', { name: 'vector', image_id: svg.id })).status).toBe(400);
    expect(
      (await send(owner, 'POST', '/watermarks', { name: 'Bad Name', image_id: redMark.id })).status,
    ).toBe(400);
  });
});

describe('wm= on the CDN', () => {
  it('draws the watermark at the corner, with the opacity, on both URL forms', async () => {
    const query = 'wm=logo&wm_pos=top-left&wm_opacity=0.5&f=png';
    for (const path of ['/cdn/wendy/default/night.png', `/cdn/i/${photo.shortId}`]) {
      const bytes = await png(await call(`${path}?${query}`));
      // 100×50 from (8, 8): red at half opacity over black; the rest black.
      expect(colourAt(bytes, 50, 30), path).toEqual([115, 10, 10]);
      expect(colourAt(bytes, 300, 200), path).toEqual(BLACK);
    }
    const bad = await call('/cdn/wendy/default/night.png?wm=logo&wm_pos=middle');
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).issues?.map((issue) => issue.path)).toEqual(['wm_pos']);
    expect((await call('/cdn/wendy/default/night.png?wm=nothing')).status).toBe(400);
  });

  it('replacing the image changes the variant key: the stored red rendition is never served again', async () => {
    const base = '/cdn/wendy/default/night.png?wm=logo&wm_pos=center&wm_opacity=1&f=png';
    const first = await call(`${base}&wm_scale=0.25`);
    expect(isClose(colourAt(await png(first), 200, 150), RED, 2)).toBe(true);
    // Another spelling of the same transform misses the Cache API and finds the stored rendition.
    const again = await call(`${base}&wm_scale=0.250`);
    expect(again.headers.get('X-Cache')).toBe('stored');
    const before = (await (await send(owner, 'GET', '/watermarks/logo')).json()) as { version: string };
    const replaced = await send(owner, 'PUT', '/watermarks/logo', { image_id: blueMark.id });
    expect(replaced.status, await replaced.clone().text()).toBe(200);
    const after = (await replaced.json()) as { version: string; image_id: string };
    expect(after.image_id).toBe(blueMark.id);
    expect(after.version).not.toBe(before.version);
    const third = await call(`${base}&wm_scale=0.2500`);
    expect(third.headers.get('X-Cache')).toBe('miss');
    expect(isClose(colourAt(await png(third), 200, 150), BLUE, 2)).toBe(true);
  });
});

describe('named transforms and albums that force a watermark', () => {
  let proofPhoto: StoredImage;

  beforeAll(async () => {
    const album = await send(owner, 'POST', '/albums', { slug: 'proofs', title: 'Proofs' });
    expect(album.status).toBe(201);
    const { id: albumId } = (await album.json()) as { id: string };
    proofPhoto = await storeImage(owner.id, {
      filename: 'client.png',
      bytes: photoBytes,
      contentType: 'image/png',
      width: 400,
      height: 300,
      album: 'proofs',
    });
    await env.DB.prepare('UPDATE images SET album_id = ? WHERE id = ?').bind(albumId, proofPhoto.id).run();
  });

  it('a named transform locks its watermark: the URL can neither fade nor replace it', async () => {
    const created = await send(owner, 'POST', '/transforms', {
      name: 'proof',
      params: { wm: 'logo', wm_pos: 'tile', wm_opacity: '1' },
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const bytes = await png(
      await call('/cdn/wendy/default/night.png?t=proof&wm_opacity=0.01&wm_pos=top-left&f=png'),
    );
    // Tiled at full opacity: blue (the watermark replaced above) everywhere.
    for (const [x, y] of [
      [5, 5],
      [200, 150],
      [395, 295],
    ] as const)
      expect(isClose(colourAt(bytes, x, y), BLUE, 2), `${x},${y}`).toBe(true);
  });

  it('an album forces it on every public URL, the plain original included; a signed URL gets the original', async () => {
    const refused = await send(owner, 'PATCH', '/albums/proofs', { forced_transform: 'nothing' });
    expect(refused.status).toBe(400);
    expect((await errorOf(refused)).issues?.map((issue) => issue.path)).toEqual(['forced_transform']);
    await send(owner, 'POST', '/transforms', { name: 'small', params: { w: '100' } });
    expect((await send(owner, 'PATCH', '/albums/proofs', { forced_transform: 'small' })).status).toBe(400);
    // Another owner cannot force this owner's transform on their album.
    await send(other, 'POST', '/albums', { slug: 'mine', title: 'Mine' });
    expect((await send(other, 'PATCH', '/albums/mine', { forced_transform: 'proof' })).status).toBe(400);

    const forced = await send(owner, 'PATCH', '/albums/proofs', { forced_transform: 'proof' });
    expect(forced.status, await forced.clone().text()).toBe(200);
    expect(await forced.json()).toMatchObject({ forced_transform: 'proof' });

    const urls = [
      '/cdn/wendy/proofs/client.png',
      `/cdn/i/${proofPhoto.shortId}`,
      '/cdn/wendy/proofs/client.png/w256',
      '/cdn/wendy/proofs/client.png?w=300&wm=logo&wm_opacity=0.01',
      '/cdn/wendy/proofs/client.png?t=small&f=png',
    ];
    for (const url of urls) {
      const response = await call(url, { headers: { Accept: 'image/png' } });
      const bytes = await png(response);
      expect(bytes, url).not.toEqual(photoBytes);
      expect(isClose(colourAt(bytes, 5, 5), BLUE, 30), url).toBe(true);
    }
    // The plain original answers in the original's format, full size.
    const original = await call('/cdn/wendy/proofs/client.png');
    expect(original.headers.get('Content-Type')).toBe('image/png');

    // The owner's signed URL is the original's bytes, unwatermarked.
    const signed = await send(owner, 'POST', `/images/${proofPhoto.id}/signed-url`, { ttl: 600 });
    const { url } = (await signed.json()) as { url: string };
    const bytes = await png(await call(new URL(url).pathname + new URL(url).search));
    expect(bytes).toEqual(photoBytes);

    // A forced transform cannot be deleted, nor lose its watermark, while the album forces it.
    expect((await send(owner, 'DELETE', '/transforms/proof')).status).toBe(409);
    expect((await send(owner, 'PATCH', '/transforms/proof', { params: { w: '100' } })).status).toBe(409);
    // The watermark it draws cannot be unmarked.
    expect((await send(owner, 'DELETE', '/watermarks/logo')).status).toBe(409);
  });

  it("the variants queue renders the album's presets with the forced watermark, which the CDN then serves", async () => {
    const result = await runQueueBatch('pixelflare-variants', [
      { type: 'generate', imageId: proofPhoto.id, ownerId: owner.id, variants: ['w128'] },
    ]);
    expect(result.retryMessages).toHaveLength(0);
    const response = await call('/cdn/wendy/proofs/client.png/w128', { headers: { Accept: 'image/webp' } });
    expect(response.headers.get('X-Cache')).toBe('stored');
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(isClose(colourAt(bytes, 64, 48), BLUE, 40)).toBe(true);
  });

  it('changing the forced transform purges the album: the original URL follows the new watermark', async () => {
    const changed = await send(owner, 'PATCH', '/transforms/proof', {
      params: { wm: 'logo', wm_pos: 'top-left', wm_opacity: '1', wm_scale: '0.1' },
    });
    expect(changed.status, await changed.clone().text()).toBe(200);
    // The tiled answer was cached under the original URL; once the queued purge ran, only the corner is blue.
    await waitFor(async () => {
      const bytes = await png(await call('/cdn/wendy/proofs/client.png'));
      expect(colourAt(bytes, 300, 200)).toEqual(BLACK);
      expect(isClose(colourAt(bytes, 20, 10), BLUE, 2)).toBe(true);
    });
  });

  it('an engine that cannot draw refuses the forced URL instead of serving the original', async () => {
    const response = await requestWith('/cdn/wendy/proofs/client.png?w=120', { IMAGE_ENGINE: 'passthrough' });
    expect(response.status).toBe(422);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
  });

  it('dropping the forced transform purges the cached watermarked answers', async () => {
    const cleared = await send(owner, 'PATCH', '/albums/proofs', { forced_transform: null });
    expect(cleared.status).toBe(200);
    await waitFor(async () => {
      const bytes = await png(await call('/cdn/wendy/proofs/client.png'));
      expect(bytes).toEqual(photoBytes);
    });
  });

  it('unmarking: refused while drawn by a transform, then ?wm= answers 400', async () => {
    expect((await send(owner, 'DELETE', '/transforms/proof')).status).toBe(204);
    expect((await send(owner, 'DELETE', '/watermarks/logo')).status).toBe(204);
    expect((await call('/cdn/wendy/default/night.png?wm=logo')).status).toBe(400);
    // Marked again under the same name: a new version, so new variant keys.
    const again = await send(owner, 'POST', '/watermarks', { name: 'logo', image_id: redMark.id });
    expect(again.status).toBe(201);
  });
});
