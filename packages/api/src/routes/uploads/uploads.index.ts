import { createRouter } from '../../lib/create-router';
import {
  tusCreateHandler,
  tusDeleteHandler,
  tusHeadAuth,
  tusHeadHandler,
  tusPatchHandler,
} from './tus.handlers';
import { tusCreate, tusDelete, tusPatch } from './tus.routes';
import { uploadFromUrlHandler } from './from-url.handlers';
import { uploadFromUrl } from './from-url.routes';
import { uploadImageHandler } from './one-shot.handlers';
import { uploadImage } from './one-shot.routes';
import { putTwoStepUploadHandler } from './two-step.handlers';
import { putTwoStepUpload } from './two-step.routes';
import { TUS_EXTENSIONS, TUS_VERSION } from '../../services/uploads/tus';
import { UPLOAD_LIMITS } from '@pixelflare/config';

/** `POST /v1/upload` (and from a URL), mounted on its own so the API reference keeps it first, as before. */
export const oneShotUploadRouter = createRouter()
  .openapi(uploadImage, uploadImageHandler)
  .openapi(uploadFromUrl, uploadFromUrlHandler);

/** Step two of a two-step upload and tus. (Step one, `POST /v1/images`, is mounted with the images.) */
export const uploadsRouter = createRouter()
  .openapi(putTwoStepUpload, putTwoStepUploadHandler)
  .openapi(tusCreate, tusCreateHandler)
  .openapi(tusPatch, tusPatchHandler)
  .openapi(tusDelete, tusDeleteHandler);

// HEAD (where to resume) has no body and is described with the PATCH route in the API reference. Hono
// dispatches HEAD as GET and drops the body, so it is registered as GET.
uploadsRouter.get('/uploads/tus/:id', tusHeadAuth, tusHeadHandler);

// tus discovery: what this server speaks (the tus spec's OPTIONS; not a CORS preflight).
uploadsRouter.options('/uploads/tus', (c) =>
  c.body(null, 204, {
    'Tus-Version': TUS_VERSION,
    'Tus-Extension': TUS_EXTENSIONS,
    'Tus-Max-Size': String(UPLOAD_LIMITS.maxResumableBytes),
  }),
);
