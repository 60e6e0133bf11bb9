import { createRouter } from '../../lib/create-router';
import { listUsersHandler, setPlanHandler } from './admin.handlers';
import { listUsersRoute, setPlanRoute } from './admin.routes';

export const adminRouter = createRouter()
  .openapi(listUsersRoute, listUsersHandler)
  .openapi(setPlanRoute, setPlanHandler);
