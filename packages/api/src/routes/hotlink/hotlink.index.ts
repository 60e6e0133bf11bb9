import { createRouter } from '../../lib/create-router';
import { getHotlinkHandler, updateHotlinkHandler } from './hotlink.handlers';
import { getHotlinkRoute, updateHotlinkRoute } from './hotlink.routes';

export const hotlinkRouter = createRouter()
  .openapi(getHotlinkRoute, getHotlinkHandler)
  .openapi(updateHotlinkRoute, updateHotlinkHandler);
