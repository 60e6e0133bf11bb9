import { createRouter } from '../../lib/create-router';
import { listImageVariantsHandler } from './variants.handlers';
import { listImageVariantsRoute } from './variants.routes';

export const variantsRouter = createRouter().openapi(listImageVariantsRoute, listImageVariantsHandler);
