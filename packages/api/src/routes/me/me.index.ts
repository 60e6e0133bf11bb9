import { createRouter } from '../../lib/create-router';
import { getMeHandler, updateMeHandler } from './me.handlers';
import { getMeRoute, updateMeRoute } from './me.routes';

export const meRouter = createRouter()
  .openapi(getMeRoute, getMeHandler)
  .openapi(updateMeRoute, updateMeHandler);
