import { createRouter } from '../../lib/create-router';
import { createSignedUrlHandler } from './signed-urls.handlers';
import { createSignedUrl } from './signed-urls.routes';

export const signedUrlsRouter = createRouter().openapi(createSignedUrl, createSignedUrlHandler);
