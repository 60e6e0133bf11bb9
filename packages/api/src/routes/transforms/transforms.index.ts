import { createRouter } from '../../lib/create-router';
import {
  createTransformHandler,
  deleteTransformHandler,
  getTransformHandler,
  listTransformsHandler,
  updateTransformHandler,
} from './transforms.handlers';
import {
  createTransform,
  deleteTransform,
  getTransform,
  listTransforms,
  updateTransform,
} from './transforms.routes';

export const transformsRouter = createRouter()
  .openapi(listTransforms, listTransformsHandler)
  .openapi(createTransform, createTransformHandler)
  .openapi(getTransform, getTransformHandler)
  .openapi(updateTransform, updateTransformHandler)
  .openapi(deleteTransform, deleteTransformHandler);
