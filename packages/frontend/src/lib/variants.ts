import { t } from '@pixelflare/i18n';
import type { ImageVariant } from '@pixelflare/shared';
import { formatBytes } from './format';

type Rendition = ImageVariant['formats'][number];

/** A preset's box in words: "128 × 128, cropped to fill" or "up to 256 px wide". */
export function variantBox({ width, height, fit }: Pick<ImageVariant, 'width' | 'height' | 'fit'>): string {
  const size =
    width !== null && height !== null
      ? t('variants.box.both', { width, height })
      : width !== null
        ? t('variants.box.width', { width })
        : t('variants.box.height', { height: height ?? '' });
  return fit === 'cover' ? t('variants.box.cover', { size }) : t('variants.box.fit', { size });
}

export const renditionStatusLabel = (status: Rendition['status']): string =>
  ({
    pending: t('variants.status.pending'),
    ready: t('variants.status.ready'),
    failed: t('variants.status.failed'),
  })[status];

/** What is known of a stored rendition besides its status: size and dimensions ("4.2 kB, 256 × 192"). */
export function renditionDetails({ bytes, width, height }: Rendition): string {
  const parts = [
    bytes !== null ? formatBytes(bytes) : null,
    width !== null && height !== null ? `${width} × ${height}` : null,
  ];
  return parts.filter(Boolean).join(', ');
}
