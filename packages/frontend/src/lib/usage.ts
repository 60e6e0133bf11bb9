import { t } from '@pixelflare/i18n';
import type { UsageSchema } from '@pixelflare/shared';
import type { z } from 'zod';
import { formatBytes, percentOf } from './format';

type Usage = z.infer<typeof UsageSchema>;

/** How close a limit is: the overview warns from 80 % (the `usage.threshold` webhook's first level). */
export type UsageLevel = 'ok' | 'near' | 'reached';

export interface UsageLine {
  key: 'images' | 'storage' | 'bandwidth';
  title: string;
  used: string;
  /** null: the plan has no such limit. */
  limit: string | null;
  percent: number | null;
  level: UsageLevel;
}

export function usageLevel(used: number, limit: number | null): UsageLevel {
  if (limit === null) return 'ok';
  if (used >= limit) return 'reached';
  return used >= limit * 0.8 ? 'near' : 'ok';
}

/** One overview stat per limit of `GET /v1/usage`: images, storage (originals) and this month's bandwidth. */
export function usageLines(usage: Usage): UsageLine[] {
  const line = (
    key: UsageLine['key'],
    title: string,
    used: number,
    limit: number | null,
    show: (n: number) => string,
  ): UsageLine => ({
    key,
    title,
    used: show(used),
    limit: limit === null ? null : show(limit),
    percent: limit === null ? null : percentOf(used, limit),
    level: usageLevel(used, limit),
  });
  return [
    line('images', t('overview.usage.images'), usage.images.used, usage.images.limit, String),
    line('storage', t('overview.usage.storage'), usage.bytes.used, usage.bytes.limit, (n) => formatBytes(n)),
    line('bandwidth', t('overview.usage.bandwidth'), usage.bandwidth.used, usage.bandwidth.limit, (n) =>
      formatBytes(n),
    ),
  ];
}
