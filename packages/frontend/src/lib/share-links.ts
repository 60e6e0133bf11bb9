import { t } from '@pixelflare/i18n';
import type { ShareLinkResource } from '@pixelflare/shared';

/** The expiries the Share dialog offers, in seconds (0: never). */
export const SHARE_EXPIRY_CHOICES = [
  { seconds: 3600, label: () => t('share.expiry.hour') },
  { seconds: 86_400, label: () => t('share.expiry.day') },
  { seconds: 604_800, label: () => t('share.expiry.week') },
  { seconds: 2_592_000, label: () => t('share.expiry.month') },
  { seconds: 0, label: () => t('share.expiry.never') },
] as const;

/** A link's state as the list shows it. */
export function shareStateLabel(state: ShareLinkResource['state']): string {
  switch (state) {
    case 'active':
      return t('share.state.active');
    case 'expired':
      return t('share.state.expired');
    case 'used_up':
      return t('share.state.used_up');
    case 'revoked':
      return t('share.state.revoked');
  }
}

/** "3 views" or "1 of 1 views". */
export function shareViewsLabel(link: Pick<ShareLinkResource, 'views' | 'max_views'>): string {
  return link.max_views === null
    ? t('share.views', { views: link.views })
    : t('share.views_of', { views: link.views, max: link.max_views });
}
