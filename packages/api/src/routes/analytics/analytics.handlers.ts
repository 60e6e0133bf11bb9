import type { RouteHandler } from '@hono/zod-openapi';
import { images } from '@pixelflare/database';
import { canonicalCdnPath, cdnUrl } from '@pixelflare/shared';
import { and, eq } from 'drizzle-orm';
import { inList } from '../../lib/sql';
import type { AppEnv } from '../../lib/types';
import { principalOf } from '../../middleware/auth';
import {
  analyticsCountries,
  analyticsDaily,
  analyticsOfImage,
  analyticsReferrers,
  analyticsSummary,
  dayRangeOf,
  hitRatio,
  hourlySeries,
} from '../../services/analytics/query';
import { createSource } from '../../services/analytics/source';
import { cdnBaseOf, findImage } from '../../services/images/resource';
import type {
  getAnalyticsCountriesRoute,
  getAnalyticsReferrersRoute,
  getAnalyticsSummaryRoute,
  getAnalyticsTimeseriesRoute,
  getImageAnalyticsRoute,
} from './analytics.routes';

export const getAnalyticsSummaryHandler: RouteHandler<typeof getAnalyticsSummaryRoute, AppEnv> = async (
  c,
) => {
  const query = c.req.valid('query');
  const range = dayRangeOf(query, new Date());
  const ownerId = principalOf(c).userId;
  const { totals, top } = await analyticsSummary(c.env.DB, ownerId, range, query.limit);
  const ids = top.map((row) => row.key);
  const rows = ids.length
    ? await c
        .get('db')
        .select({
          id: images.id,
          filename: images.filename,
          shortId: images.shortId,
          isPrivate: images.isPrivate,
        })
        .from(images)
        .where(and(eq(images.ownerId, ownerId), inList(images.id, ids)))
    : [];
  const byId = new Map(rows.map((row) => [row.id, row]));
  const base = cdnBaseOf(c.get('config'));
  return c.json(
    {
      sink: c.get('config').ANALYTICS_SINK,
      ...range,
      ...totals,
      hit_ratio: hitRatio(totals),
      top_images: top.map((row) => {
        const image = byId.get(row.key);
        return {
          image_id: row.key,
          filename: image?.filename ?? null,
          // Private images need a signed URL; the dashboard shows a placeholder for them.
          thumbnail_url:
            image && !image.isPrivate
              ? cdnUrl(base, canonicalCdnPath({ kind: 'short', shortId: image.shortId }, 'thumb'))
              : null,
          requests: row.requests,
          bandwidth: row.bandwidth,
        };
      }),
    },
    200,
  );
};

export const getAnalyticsTimeseriesHandler: RouteHandler<typeof getAnalyticsTimeseriesRoute, AppEnv> = async (
  c,
) => {
  const query = c.req.valid('query');
  const config = c.get('config');
  const ownerId = principalOf(c).userId;
  if (query.granularity === 'hour') {
    const source = createSource(config.ANALYTICS_SINK, c.env.DB, {
      baseUrl: config.CLOUDFLARE_API_BASE_URL,
      accountId: config.CLOUDFLARE_ACCOUNT_ID,
      token: config.CLOUDFLARE_ANALYTICS_TOKEN,
    });
    const hourly = await hourlySeries(source, ownerId, new Date());
    return c.json({ sink: config.ANALYTICS_SINK, granularity: 'hour' as const, ...hourly }, 200);
  }
  const range = dayRangeOf(query, new Date());
  const points = await analyticsDaily(c.env.DB, ownerId, range);
  return c.json({ sink: config.ANALYTICS_SINK, granularity: 'day' as const, ...range, points }, 200);
};

export const getImageAnalyticsHandler: RouteHandler<typeof getImageAnalyticsRoute, AppEnv> = async (c) => {
  const query = c.req.valid('query');
  const ownerId = principalOf(c).userId;
  // Another owner's image is a 404, like a missing one.
  const image = await findImage(c.get('db'), ownerId, c.req.valid('param').id);
  const range = dayRangeOf(query, new Date());
  const { totals, ...rest } = await analyticsOfImage(c.env.DB, ownerId, image.id, range, query.limit);
  return c.json({ image_id: image.id, ...range, ...totals, hit_ratio: hitRatio(totals), ...rest }, 200);
};

export const getAnalyticsReferrersHandler: RouteHandler<typeof getAnalyticsReferrersRoute, AppEnv> = async (
  c,
) => {
  const query = c.req.valid('query');
  const range = dayRangeOf(query, new Date());
  const referrers = await analyticsReferrers(c.env.DB, principalOf(c).userId, range, query.limit);
  return c.json({ ...range, referrers }, 200);
};

export const getAnalyticsCountriesHandler: RouteHandler<typeof getAnalyticsCountriesRoute, AppEnv> = async (
  c,
) => {
  const query = c.req.valid('query');
  const range = dayRangeOf(query, new Date());
  const countries = await analyticsCountries(c.env.DB, principalOf(c).userId, range, query.limit);
  return c.json({ ...range, countries }, 200);
};
