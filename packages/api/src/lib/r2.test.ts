import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { deleteUnderPrefix, folderOf } from './r2';

const keysUnder = async (prefix: string) =>
  (await env.IMAGES_BUCKET.list({ prefix })).objects.map((object) => object.key);

describe('deleteUnderPrefix', () => {
  it('deletes more objects than one listing page holds, and nothing outside the prefix', async () => {
    const keys = Array.from({ length: 1005 }, (_, i) => `r2-test/many/${String(i).padStart(4, '0')}`);
    await Promise.all(keys.map((key) => env.IMAGES_BUCKET.put(key, 'x')));
    await env.IMAGES_BUCKET.put('r2-test/many-other/kept', 'x');

    expect(await deleteUnderPrefix(env.IMAGES_BUCKET, 'r2-test/many/')).toBe(1005);
    expect(await keysUnder('r2-test/many/')).toEqual([]);
    expect(await keysUnder('r2-test/many-other/')).toEqual(['r2-test/many-other/kept']);
    expect(await deleteUnderPrefix(env.IMAGES_BUCKET, 'r2-test/many/')).toBe(0);
  });

  it('keeps what `keep` accepts', async () => {
    await env.IMAGES_BUCKET.put('r2-test/folder/original.jpg', 'x');
    await env.IMAGES_BUCKET.put('r2-test/folder/abc.webp', 'x');
    const deleted = await deleteUnderPrefix(
      env.IMAGES_BUCKET,
      folderOf('r2-test/folder/original.jpg'),
      (object) => object.key.endsWith('/original.jpg'),
    );
    expect(deleted).toBe(1);
    expect(await keysUnder('r2-test/folder/')).toEqual(['r2-test/folder/original.jpg']);
  });
});
