import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../lib/types';
import { principalOf } from '../../middleware/auth';
import { imageViewOf } from '../images/images.context';
import {
  createAlbum,
  deleteAlbum,
  findAlbum,
  listAlbums,
  toAlbumResource,
  updateAlbum,
} from '../../services/albums/albums';
import type {
  createAlbumRoute,
  deleteAlbumRoute,
  getAlbumRoute,
  listAlbumsRoute,
  updateAlbumRoute,
} from './albums.routes';

export const listAlbumsHandler: RouteHandler<typeof listAlbumsRoute, AppEnv> = async (c) => {
  const { limit, cursor } = c.req.valid('query');
  const page = await listAlbums(c.get('db'), principalOf(c).userId, limit, cursor);
  return c.json({ data: page.rows.map(toAlbumResource), next_cursor: page.nextCursor }, 200);
};

export const createAlbumHandler: RouteHandler<typeof createAlbumRoute, AppEnv> = async (c) => {
  const album = await createAlbum(c.get('db'), principalOf(c).userId, c.req.valid('json'));
  c.set('audit', { action: 'album.create', resourceType: 'album', resourceId: album.id });
  return c.json(toAlbumResource(album), 201);
};

export const getAlbumHandler: RouteHandler<typeof getAlbumRoute, AppEnv> = async (c) => {
  const album = await findAlbum(c.get('db'), principalOf(c).userId, c.req.valid('param').album);
  return c.json(toAlbumResource(album), 200);
};

export const updateAlbumHandler: RouteHandler<typeof updateAlbumRoute, AppEnv> = async (c) => {
  const db = c.get('db');
  const album = await findAlbum(db, principalOf(c).userId, c.req.valid('param').album);
  const updated = await updateAlbum(db, album, c.req.valid('json'));
  c.set('audit', { action: 'album.update', resourceType: 'album', resourceId: album.id });
  return c.json(toAlbumResource(updated), 200);
};

export const deleteAlbumHandler: RouteHandler<typeof deleteAlbumRoute, AppEnv> = async (c) => {
  const db = c.get('db');
  const album = await findAlbum(db, principalOf(c).userId, c.req.valid('param').album);
  await deleteAlbum(db, album, c.req.valid('query').delete_images ?? false, imageViewOf(c));
  c.set('audit', { action: 'album.delete', resourceType: 'album', resourceId: album.id });
  return c.body(null, 204);
};
