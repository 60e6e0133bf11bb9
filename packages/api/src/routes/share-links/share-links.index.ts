import { createRouter } from '../../lib/create-router';
import * as handlers from './share-links.handlers';
import * as routes from './share-links.routes';

export const shareLinksRouter = createRouter()
  .openapi(routes.createShareLinkRoute, handlers.createShareLinkHandler)
  .openapi(routes.listShareLinksRoute, handlers.listShareLinksHandler)
  .openapi(routes.getShareLinkRoute, handlers.getShareLinkHandler)
  .openapi(routes.deleteShareLinkRoute, handlers.deleteShareLinkHandler);
