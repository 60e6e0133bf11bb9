import { createRouter } from '../../lib/create-router';
import * as handlers from './images.handlers';
import * as routes from './images.routes';
import { createTwoStepUploadHandler } from '../uploads/two-step.handlers';
import { createTwoStepUpload } from '../uploads/two-step.routes';

export const imagesRouter = createRouter()
  // Step one of a two-step upload lives with the uploads; it is mounted here to keep its place among /images.
  .openapi(createTwoStepUpload, createTwoStepUploadHandler)
  .openapi(routes.bulkImagesRoute, handlers.bulkImagesHandler)
  .openapi(routes.listImagesRoute, handlers.listImagesHandler)
  .openapi(routes.listTrashRoute, handlers.listTrashHandler)
  .openapi(routes.getImageRoute, handlers.getImageHandler)
  .openapi(routes.downloadImageRoute, handlers.downloadImageHandler)
  .openapi(routes.updateImageRoute, handlers.updateImageHandler)
  .openapi(routes.deleteImageRoute, handlers.deleteImageHandler)
  .openapi(routes.restoreImageRoute, handlers.restoreImageHandler)
  .openapi(routes.favouriteImageRoute, handlers.favouriteImageHandler)
  .openapi(routes.unfavouriteImageRoute, handlers.unfavouriteImageHandler)
  .openapi(routes.getUsageRoute, handlers.getUsageHandler);
