import { createRouter } from '../../lib/create-router';
import * as handlers from './analysis.handlers';
import * as routes from './analysis.routes';

export const analysisRouter = createRouter()
  .openapi(routes.getAnalysisRoute, handlers.getAnalysisHandler)
  .openapi(routes.analyzeImageRoute, handlers.analyzeImageHandler)
  .openapi(routes.backfillAnalysisRoute, handlers.backfillAnalysisHandler);
