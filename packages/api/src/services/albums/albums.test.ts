import { createDb } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { cdnUrlsOf, expectStatus, warmCdnCache } from '../../../test/fixtures/cdn-warm';
import { createAlbum } from '../../../test/fixtures/album-helpers';
import { fixture } from '../../../test/fixtures/fixtures.generated';
import { upload, uploadForm } from '../../../test/fixtures/upload-helpers';
import { createUser } from '../../../test/helpers';
import { waitFor } from '../../../test/wait-for';
import { loadEnv } from '../../lib/env';
import { ownerImageView, signingDepsOf } from '../images/resource';
import { updateAlbum } from './albums';
import { albumBySlug } from './lookup';

describe('updateAlbum', () => {
  it('setting an album private queues the purge of its images itself, whoever calls it', async () => {
    const owner = await createUser('svc-album-private');
    await createAlbum(owner, 'vault');
    const uploaded = await upload(owner, uploadForm(fixture('tiny.png'), 'a.png', { album: 'vault' }));
    expect(uploaded.status).toBe(201);
    const { short_id } = (await uploaded.json()) as { short_id: string };
    const urls = cdnUrlsOf({ ownerSlug: owner.slug, album: 'vault', filename: 'a.png', shortId: short_id }, [
      'thumb',
    ]);
    await warmCdnCache(urls.all);

    const db = createDb(env.DB);
    const signing = signingDepsOf(env, loadEnv(env));
    const view = { ...(await ownerImageView(db, owner.id, signing)), now: Date.now() };
    const album = await albumBySlug(db, owner.id, 'vault');
    await updateAlbum({ db, variantsQueue: env.VARIANTS_QUEUE }, view, album, { visibility: 'private' });
    // The local queue delivers the purge-album message in the background.
    await waitFor(() => expectStatus(urls.all, 403));
  });
});
