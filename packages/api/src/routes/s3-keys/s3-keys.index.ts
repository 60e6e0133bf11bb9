import { createRouter } from '../../lib/create-router';
import { createS3KeyHandler, listS3KeysHandler, revokeS3KeyHandler } from './s3-keys.handlers';
import { createS3KeyRoute, listS3KeysRoute, revokeS3KeyRoute } from './s3-keys.routes';

export const s3KeysRouter = createRouter()
  .openapi(createS3KeyRoute, createS3KeyHandler)
  .openapi(listS3KeysRoute, listS3KeysHandler)
  .openapi(revokeS3KeyRoute, revokeS3KeyHandler);
