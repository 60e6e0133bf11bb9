import { describe, expect, it } from 'vitest';
import { authed, call, createUser } from '../../../test/helpers';
import { fixture } from '../../../test/fixtures/fixtures.generated';
import { upload, uploadForm } from '../../../test/fixtures/upload-helpers';

interface UploadedImage {
  id: string;
  short_id: string;
}

/** Uploads through the API and warms the CDN cache for both URL forms and a preset. */
async function uploadAndWarm(slug: string, filename: string) {
  const user = await createUser(slug);
  const response = await upload(user, uploadForm(fixture('tiny.png'), filename));
  expect(response.status).toBe(201);
  const image = (await response.json()) as UploadedImage;
  const urls = [
    `/cdn/${slug}/default/${filename}`,
    `/cdn/i/${image.short_id}`,
    `/cdn/i/${image.short_id}/w128`,
  ];
  for (const url of urls) {
    expect((await call(url)).status, url).toBe(200);
    // The second fetch is answered from the Cache API, which never reads D1: the case a purge must handle.
    expect((await call(url)).status, url).toBe(200);
  }
  return { user, image, urls };
}

describe('image changes reach the CDN at once', () => {
  it('trashing an image through the API makes every URL 404, even ones already cached', async () => {
    const { user, image, urls } = await uploadAndWarm('purge-trash', 'gone.png');
    expect((await call(`/v1/images/${image.id}`, authed(user.key, { method: 'DELETE' }))).status).toBe(204);
    for (const url of urls) expect((await call(url)).status, url).toBe(404);
  });

  it('moving an image makes its old path 404 while the short URL keeps working', async () => {
    const { user, image } = await uploadAndWarm('purge-move', 'moved.png');
    const moved = await call(
      `/v1/images/${image.id}`,
      authed(user.key, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ filename: 'renamed.png' }),
      }),
    );
    expect(moved.status).toBe(200);
    expect((await call('/cdn/purge-move/default/moved.png')).status).toBe(404);
    expect((await call('/cdn/purge-move/default/renamed.png')).status).toBe(200);
    expect((await call(`/cdn/i/${image.short_id}`)).status).toBe(200);
  });

  it('a bulk delete purges every image it trashed', async () => {
    const { user, image, urls } = await uploadAndWarm('purge-bulk', 'bulk.png');
    const response = await call(
      '/v1/images/bulk',
      authed(user.key, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ action: 'delete', ids: [image.id] }),
      }),
    );
    expect(response.status).toBe(200);
    for (const url of urls) expect((await call(url)).status, url).toBe(404);
  });
});
