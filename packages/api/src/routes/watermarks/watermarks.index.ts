import { createRouter } from '../../lib/create-router';
import {
  createWatermarkHandler,
  deleteWatermarkHandler,
  getWatermarkHandler,
  listWatermarksHandler,
  replaceWatermarkHandler,
} from './watermarks.handlers';
import {
  createWatermark,
  deleteWatermark,
  getWatermark,
  listWatermarks,
  replaceWatermark,
} from './watermarks.routes';

export const watermarksRouter = createRouter()
  .openapi(listWatermarks, listWatermarksHandler)
  .openapi(createWatermark, createWatermarkHandler)
  .openapi(getWatermark, getWatermarkHandler)
  .openapi(replaceWatermark, replaceWatermarkHandler)
  .openapi(deleteWatermark, deleteWatermarkHandler);
