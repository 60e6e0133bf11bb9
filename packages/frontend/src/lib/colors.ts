import type { ColorName } from '@pixelflare/config';
import { t } from '@pixelflare/i18n';

// One t() call per key, so the i18n check sees every colour's message used.
const LABELS: Record<ColorName, () => string> = {
  red: () => t('color.red'),
  orange: () => t('color.orange'),
  yellow: () => t('color.yellow'),
  green: () => t('color.green'),
  teal: () => t('color.teal'),
  blue: () => t('color.blue'),
  purple: () => t('color.purple'),
  pink: () => t('color.pink'),
  brown: () => t('color.brown'),
  black: () => t('color.black'),
  gray: () => t('color.gray'),
  white: () => t('color.white'),
};

/** A colour name in the dashboard's language. */
export function colorLabel(color: ColorName): string {
  return LABELS[color]();
}
