import type { RouteHandler } from '@hono/zod-openapi';
import { mapPage } from '@pixelflare/shared';
import type { Context } from 'hono';
import type { AppEnv } from '../../lib/types';
import { principalOf } from '../../middleware/auth';
import { imageStoreOf, imageViewOf } from '../images/images.context';
import {
  createAlbum,
  deleteAlbum,
  listAlbums,
  toAlbumResource,
  toAlbumResources,
  updateAlbum,
  type AlbumView,
} from '../../services/albums/albums';
import { findAlbum } from '../../services/albums/lookup';
import type {
  createAlbumRoute,
  deleteAlbumRoute,
  getAlbumRoute,
  listAlbumsRoute,
  updateAlbumRoute,
} from './albums.routes';

/** The caller's image view (which signs private covers' thumbnails) and the time they are minted at. */
async function albumViewOf(c: Context<AppEnv>): Promise<AlbumView> {
  return { ...(await imageViewOf(c)), now: Date.now() };
}

export const listAlbumsHandler: RouteHandler<typeof listAlbumsRoute, AppEnv> = async (c) => {
  const { limit, cursor } = c.req.valid('query');
  const db = c.get('db');
  const page = await listAlbums(db, principalOf(c).userId, limit, cursor);
  const view = await albumViewOf(c);
  return c.json(await mapPage(page, (rows) => toAlbumResources(db, rows, view)), 200);
};

export const createAlbumHandler: RouteHandler<typeof createAlbumRoute, AppEnv> = async (c) => {
  const db = c.get('db');
  const view = await albumViewOf(c);
  const album = await createAlbum(db, view, c.req.valid('json'));
  c.set('audit', { action: 'album.create', resourceType: 'album', resourceId: album.id });
  return c.json(await toAlbumResource(db, album, view), 201);
};

export const getAlbumHandler: RouteHandler<typeof getAlbumRoute, AppEnv> = async (c) => {
  const db = c.get('db');
  const album = await findAlbum(db, principalOf(c).userId, c.req.valid('param').album);
  return c.json(await toAlbumResource(db, album, await albumViewOf(c)), 200);
};

export const updateAlbumHandler: RouteHandler<typeof updateAlbumRoute, AppEnv> = async (c) => {
  const db = c.get('db');
  const album = await findAlbum(db, principalOf(c).userId, c.req.valid('param').album);
  const view = await albumViewOf(c);
  const changes = c.req.valid('json');
  // Annotated first: a purge that cannot be queued is a 503 after the album is saved, audited as a failure.
  c.set('audit', { action: 'album.update', resourceType: 'album', resourceId: album.id });
  const updated = await updateAlbum({ db, variantsQueue: c.env.VARIANTS_QUEUE }, view, album, changes);
  return c.json(await toAlbumResource(db, updated, view), 200);
};

export const deleteAlbumHandler: RouteHandler<typeof deleteAlbumRoute, AppEnv> = async (c) => {
  const album = await findAlbum(c.get('db'), principalOf(c).userId, c.req.valid('param').album);
  await deleteAlbum(
    imageStoreOf(c),
    album,
    c.req.valid('query').delete_images ?? false,
    await albumViewOf(c),
  );
  c.set('audit', { action: 'album.delete', resourceType: 'album', resourceId: album.id });
  return c.body(null, 204);
};
