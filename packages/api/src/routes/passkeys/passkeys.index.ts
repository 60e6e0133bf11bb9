import { createRouter } from '../../lib/create-router';
import * as handlers from './passkeys.handlers';
import * as routes from './passkeys.routes';

export const passkeysRouter = createRouter()
  .openapi(routes.listPasskeysRoute, handlers.listPasskeysHandler)
  .openapi(routes.createPasskeyRegistrationOptionsRoute, handlers.registrationOptionsHandler)
  .openapi(routes.verifyPasskeyRegistrationRoute, handlers.verifyRegistrationHandler)
  .openapi(routes.createPasskeySignInOptionsRoute, handlers.signInOptionsHandler)
  .openapi(routes.signInWithPasskeyRoute, handlers.signInHandler)
  .openapi(routes.updatePasskeyRoute, handlers.updatePasskeyHandler)
  .openapi(routes.deletePasskeyRoute, handlers.deletePasskeyHandler);
