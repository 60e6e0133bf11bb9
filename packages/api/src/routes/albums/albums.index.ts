import { createRouter } from '../../lib/create-router';
import * as handlers from './albums.handlers';
import * as routes from './albums.routes';

export const albumsRouter = createRouter()
  .openapi(routes.listAlbumsRoute, handlers.listAlbumsHandler)
  .openapi(routes.createAlbumRoute, handlers.createAlbumHandler)
  .openapi(routes.getAlbumRoute, handlers.getAlbumHandler)
  .openapi(routes.updateAlbumRoute, handlers.updateAlbumHandler)
  .openapi(routes.deleteAlbumRoute, handlers.deleteAlbumHandler);
