import { createRouter } from '../../lib/create-router';
import { deleteMeHandler, getMeHandler, updateMeHandler } from './me.handlers';
import { deleteMeRoute, getMeRoute, updateMeRoute } from './me.routes';

export const meRouter = createRouter()
  .openapi(getMeRoute, getMeHandler)
  .openapi(updateMeRoute, updateMeHandler)
  .openapi(deleteMeRoute, deleteMeHandler);
