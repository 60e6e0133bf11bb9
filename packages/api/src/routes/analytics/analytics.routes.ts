import { createRoute } from '@hono/zod-openapi';
import {
  AnalyticsCountriesSchema,
  AnalyticsImageSchema,
  AnalyticsReferrersSchema,
  AnalyticsSummarySchema,
  AnalyticsTimeseriesQuery,
  AnalyticsTimeseriesSchema,
  AnalyticsTopQuery,
  ImageIdParam,
} from '@pixelflare/shared';
import { requireScope } from '../../middleware/auth';
import { AUTHED_ERRORS, BEARER_SECURITY, errorResponse, jsonResponse } from '../../lib/openapi';

const common = { tags: ['Analytics'], security: BEARER_SECURITY };
const RANGE_NOTE =
  "Days already rolled up (02:00 UTC) come from analytics_daily; later days, today included, from the D1 sink's " +
  'raw answers (with Analytics Engine they appear once rolled up). Only your own images are counted.';

export const getAnalyticsSummaryRoute = createRoute({
  ...common,
  middleware: [requireScope('analytics:read')] as const,
  method: 'get',
  path: '/analytics/summary',
  operationId: 'getAnalyticsSummary',
  summary: 'Requests, bandwidth, hit ratio and top images over a range of days',
  description: `${RANGE_NOTE} \`sink\` says where CDN answers are counted.`,
  request: { query: AnalyticsTopQuery },
  responses: { 200: jsonResponse(AnalyticsSummarySchema, 'Totals for the range'), ...AUTHED_ERRORS },
});

export const getAnalyticsTimeseriesRoute = createRoute({
  ...common,
  middleware: [requireScope('analytics:read')] as const,
  method: 'get',
  path: '/analytics/timeseries',
  operationId: 'getAnalyticsTimeseries',
  summary: 'Requests, bandwidth, hits and misses per day, or per hour for the last 48 h',
  description: RANGE_NOTE,
  request: { query: AnalyticsTimeseriesQuery },
  responses: { 200: jsonResponse(AnalyticsTimeseriesSchema, 'One point per bucket'), ...AUTHED_ERRORS },
});

export const getImageAnalyticsRoute = createRoute({
  ...common,
  middleware: [requireScope('analytics:read')] as const,
  method: 'get',
  path: '/analytics/images/{id}',
  operationId: 'getImageAnalytics',
  summary: 'One image: totals, daily series, variants, referrers and countries',
  description: RANGE_NOTE,
  request: { params: ImageIdParam, query: AnalyticsTopQuery },
  responses: {
    200: jsonResponse(AnalyticsImageSchema, 'The image’s numbers'),
    ...AUTHED_ERRORS,
    404: errorResponse('No such image of yours'),
  },
});

export const getAnalyticsReferrersRoute = createRoute({
  ...common,
  middleware: [requireScope('analytics:read')] as const,
  method: 'get',
  path: '/analytics/referrers',
  operationId: 'getAnalyticsReferrers',
  summary: 'Referring hosts by requests (host names only; empty for direct requests)',
  description: RANGE_NOTE,
  request: { query: AnalyticsTopQuery },
  responses: { 200: jsonResponse(AnalyticsReferrersSchema, 'Top referrers'), ...AUTHED_ERRORS },
});

export const getAnalyticsCountriesRoute = createRoute({
  ...common,
  middleware: [requireScope('analytics:read')] as const,
  method: 'get',
  path: '/analytics/countries',
  operationId: 'getAnalyticsCountries',
  summary: 'Countries by requests (from request.cf.country)',
  description: RANGE_NOTE,
  request: { query: AnalyticsTopQuery },
  responses: { 200: jsonResponse(AnalyticsCountriesSchema, 'Top countries'), ...AUTHED_ERRORS },
});
