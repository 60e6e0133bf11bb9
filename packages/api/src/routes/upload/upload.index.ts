import { createRouter } from '../../lib/create-router';
import { uploadImageHandler } from './upload.handlers';
import { uploadImage } from './upload.routes';

export const uploadRouter = createRouter().openapi(uploadImage, uploadImageHandler);
