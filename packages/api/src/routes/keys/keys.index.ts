import { createRouter } from '../../lib/create-router';
import { createKeyHandler, listKeysHandler, revokeKeyHandler } from './keys.handlers';
import { createKeyRoute, listKeysRoute, revokeKeyRoute } from './keys.routes';

export const keysRouter = createRouter()
  .openapi(createKeyRoute, createKeyHandler)
  .openapi(listKeysRoute, listKeysHandler)
  .openapi(revokeKeyRoute, revokeKeyHandler);
