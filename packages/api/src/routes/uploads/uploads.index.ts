import { createRouter } from '../../lib/create-router';
import { putTwoStepUploadHandler } from './uploads.handlers';
import { putTwoStepUpload } from './uploads.routes';

export const uploadsRouter = createRouter().openapi(putTwoStepUpload, putTwoStepUploadHandler);
