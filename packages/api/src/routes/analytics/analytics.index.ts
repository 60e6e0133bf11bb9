import { createRouter } from '../../lib/create-router';
import {
  getAnalyticsCountriesHandler,
  getAnalyticsReferrersHandler,
  getAnalyticsSummaryHandler,
  getAnalyticsTimeseriesHandler,
  getImageAnalyticsHandler,
} from './analytics.handlers';
import {
  getAnalyticsCountriesRoute,
  getAnalyticsReferrersRoute,
  getAnalyticsSummaryRoute,
  getAnalyticsTimeseriesRoute,
  getImageAnalyticsRoute,
} from './analytics.routes';

/** `/v1/analytics/*`: the caller's own CDN numbers (scope analytics:read). */
export const analyticsRouter = createRouter()
  .openapi(getAnalyticsSummaryRoute, getAnalyticsSummaryHandler)
  .openapi(getAnalyticsTimeseriesRoute, getAnalyticsTimeseriesHandler)
  .openapi(getImageAnalyticsRoute, getImageAnalyticsHandler)
  .openapi(getAnalyticsReferrersRoute, getAnalyticsReferrersHandler)
  .openapi(getAnalyticsCountriesRoute, getAnalyticsCountriesHandler);
