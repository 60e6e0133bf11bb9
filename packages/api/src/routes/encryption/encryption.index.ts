import { createMiddleware } from 'hono/factory';
import { createRouter } from '../../lib/create-router';
import type { AppEnv } from '../../lib/types';
import { assertRootKeyWhenInUse } from '../../services/encryption/root-key';
import {
  createAccessTokenHandler,
  enableEncryptionHandler,
  exportKeysHandler,
  getEncryptionHandler,
  imageKeyHandler,
  previewTokensHandler,
  rootKeyRewrapHandler,
  rotateEncryptionHandler,
  updateEncryptionHandler,
} from './encryption.handlers';
import {
  createAccessTokenRoute,
  enableEncryptionRoute,
  exportKeysRoute,
  getEncryptionRoute,
  imageKeyRoute,
  previewTokensRoute,
  rootKeyRewrapRoute,
  rotateEncryptionRoute,
  updateEncryptionRoute,
} from './encryption.routes';

/** `/v1/encryption/*` and the encrypted-image routes under `/v1/images/{id}/`. */
export const encryptionRouter = createRouter()
  .openapi(getEncryptionRoute, getEncryptionHandler)
  .openapi(enableEncryptionRoute, enableEncryptionHandler)
  .openapi(updateEncryptionRoute, updateEncryptionHandler)
  .openapi(rotateEncryptionRoute, rotateEncryptionHandler)
  .openapi(exportKeysRoute, exportKeysHandler)
  .openapi(previewTokensRoute, previewTokensHandler)
  .openapi(createAccessTokenRoute, createAccessTokenHandler)
  .openapi(imageKeyRoute, imageKeyHandler)
  .openapi(rootKeyRewrapRoute, rootKeyRewrapHandler);

/**
 * The root key's startup check, for every request: once any account has encryption on, a missing or malformed
 * ENCRYPTION_ROOT_KEY is a 503 MISCONFIGURED naming it (checked once per isolate while it passes).
 */
export const encryptionStartupCheck = createMiddleware<AppEnv>(async (c, next) => {
  await assertRootKeyWhenInUse(c.env, c.get('db'), c.get('config'));
  await next();
});
