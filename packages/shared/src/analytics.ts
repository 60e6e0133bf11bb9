import { ANALYTICS_QUERY_LIMITS, ANALYTICS_SINKS } from '@pixelflare/config';
import { z } from 'zod';

const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a UTC day, YYYY-MM-DD')
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)), 'is not a calendar day');

/** `from`/`to`: UTC days, both included; by default the last 30 days up to today. */
export const AnalyticsRangeQuery = z.object({
  from: Day.optional().meta({ description: 'First UTC day (YYYY-MM-DD); default 29 days before `to`' }),
  to: Day.optional().meta({ description: 'Last UTC day, included (YYYY-MM-DD); default today' }),
});

export const AnalyticsTopQuery = AnalyticsRangeQuery.extend({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(ANALYTICS_QUERY_LIMITS.maxTop)
    .default(ANALYTICS_QUERY_LIMITS.topImages)
    .meta({ description: `How many to list (1–${ANALYTICS_QUERY_LIMITS.maxTop})` }),
});

export const AnalyticsTimeseriesQuery = AnalyticsRangeQuery.extend({
  granularity: z
    .enum(['day', 'hour'])
    .default('day')
    .meta({
      description: `\`hour\`: the last ${ANALYTICS_QUERY_LIMITS.hourlyWindowHours} h from raw answers (from/to ignored)`,
    }),
});

const Totals = {
  requests: z.number().int().nonnegative(),
  bandwidth: z.number().int().nonnegative().meta({ description: 'Bytes sent' }),
  hits: z.number().int().nonnegative().meta({ description: 'Answers from the Cache API' }),
  misses: z.number().int().nonnegative(),
};

const HitRatio = z
  .number()
  .min(0)
  .max(1)
  .nullable()
  .meta({ description: 'hits / requests; null without requests' });

export const AnalyticsSinkSchema = z.enum(ANALYTICS_SINKS).meta({
  description: 'Where CDN answers are counted: `d1` (analytics_events) or `engine` (Analytics Engine)',
});

export const AnalyticsPointSchema = z
  .object({ t: z.string().meta({ description: 'Start of the bucket, ISO 8601 UTC' }), ...Totals })
  .meta({ id: 'AnalyticsPoint' });

export const AnalyticsTopImageSchema = z
  .object({
    image_id: z.string(),
    filename: z.string().nullable().meta({ description: 'null when the image was deleted since' }),
    thumbnail_url: z.string().nullable(),
    requests: z.number().int().nonnegative(),
    bandwidth: z.number().int().nonnegative(),
  })
  .meta({ id: 'AnalyticsTopImage' });

export const AnalyticsSummarySchema = z
  .object({
    sink: AnalyticsSinkSchema,
    from: z.string(),
    to: z.string(),
    ...Totals,
    hit_ratio: HitRatio,
    top_images: z.array(AnalyticsTopImageSchema),
  })
  .meta({ id: 'AnalyticsSummary' });
export type AnalyticsSummary = z.infer<typeof AnalyticsSummarySchema>;

export const AnalyticsTimeseriesSchema = z
  .object({
    sink: AnalyticsSinkSchema,
    granularity: z.enum(['day', 'hour']),
    from: z.string(),
    to: z.string(),
    points: z.array(AnalyticsPointSchema).meta({ description: 'Every bucket in the range, zeros included' }),
  })
  .meta({ id: 'AnalyticsTimeseries' });
export type AnalyticsTimeseries = z.infer<typeof AnalyticsTimeseriesSchema>;

export const AnalyticsReferrerSchema = z
  .object({
    host: z.string().meta({ description: 'The referring host; empty for direct requests' }),
    requests: z.number().int().nonnegative(),
    bandwidth: z.number().int().nonnegative(),
  })
  .meta({ id: 'AnalyticsReferrer' });

export const AnalyticsCountrySchema = z
  .object({
    country: z.string().meta({ description: 'ISO 3166 alpha-2; XX when unknown' }),
    requests: z.number().int().nonnegative(),
    bandwidth: z.number().int().nonnegative(),
  })
  .meta({ id: 'AnalyticsCountry' });

export const AnalyticsVariantSchema = z
  .object({
    variant: z.string(),
    requests: z.number().int().nonnegative(),
    bandwidth: z.number().int().nonnegative(),
  })
  .meta({ id: 'AnalyticsVariant' });

export const AnalyticsReferrersSchema = z
  .object({ from: z.string(), to: z.string(), referrers: z.array(AnalyticsReferrerSchema) })
  .meta({ id: 'AnalyticsReferrers' });
export type AnalyticsReferrers = z.infer<typeof AnalyticsReferrersSchema>;

export const AnalyticsCountriesSchema = z
  .object({ from: z.string(), to: z.string(), countries: z.array(AnalyticsCountrySchema) })
  .meta({ id: 'AnalyticsCountries' });
export type AnalyticsCountries = z.infer<typeof AnalyticsCountriesSchema>;

export const AnalyticsImageSchema = z
  .object({
    image_id: z.string(),
    from: z.string(),
    to: z.string(),
    ...Totals,
    hit_ratio: HitRatio,
    points: z.array(AnalyticsPointSchema),
    variants: z.array(AnalyticsVariantSchema),
    referrers: z.array(AnalyticsReferrerSchema),
    countries: z.array(AnalyticsCountrySchema),
  })
  .meta({ id: 'AnalyticsImage' });
export type AnalyticsImage = z.infer<typeof AnalyticsImageSchema>;
