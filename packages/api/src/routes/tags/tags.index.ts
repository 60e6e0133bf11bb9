import { createRouter } from '../../lib/create-router';
import { listTagsHandler, mergeTagHandler, renameTagHandler } from './tags.handlers';
import { listTagsRoute, mergeTagRoute, renameTagRoute } from './tags.routes';

export const tagsRouter = createRouter()
  .openapi(listTagsRoute, listTagsHandler)
  .openapi(renameTagRoute, renameTagHandler)
  .openapi(mergeTagRoute, mergeTagHandler);
