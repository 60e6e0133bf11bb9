// Uppy's own words (its upload dashboard) in the dashboard's language: the matching @uppy/locales pack, loaded
// with the upload page only. English is Uppy's built-in default; the pseudo-locale keeps it too.
import type { Locale } from '@pixelflare/config';
import type { Locale as UppyLocale } from '@uppy/core/utils';

type Pack = () => Promise<{ default: UppyLocale<0 | 1> | UppyLocale }>;

const PACKS: Partial<Record<Locale, Pack>> = {
  de: () => import('@uppy/locales/lib/de_DE.js'),
  fr: () => import('@uppy/locales/lib/fr_FR.js'),
  es: () => import('@uppy/locales/lib/es_ES.js'),
  it: () => import('@uppy/locales/lib/it_IT.js'),
  'pt-BR': () => import('@uppy/locales/lib/pt_BR.js'),
  nl: () => import('@uppy/locales/lib/nl_NL.js'),
  pl: () => import('@uppy/locales/lib/pl_PL.js'),
  sv: () => import('@uppy/locales/lib/sv_SE.js'),
  tr: () => import('@uppy/locales/lib/tr_TR.js'),
  ru: () => import('@uppy/locales/lib/ru_RU.js'),
  uk: () => import('@uppy/locales/lib/uk_UA.js'),
  ar: () => import('@uppy/locales/lib/ar_SA.js'),
  he: () => import('@uppy/locales/lib/he_IL.js'),
  hi: () => import('@uppy/locales/lib/hi_IN.js'),
  ja: () => import('@uppy/locales/lib/ja_JP.js'),
  ko: () => import('@uppy/locales/lib/ko_KR.js'),
  'zh-CN': () => import('@uppy/locales/lib/zh_CN.js'),
  'zh-TW': () => import('@uppy/locales/lib/zh_TW.js'),
  id: () => import('@uppy/locales/lib/id_ID.js'),
};

/** Uppy's locale pack for a language, or undefined for English (and any language Uppy has no pack for). */
export async function uppyLocale(locale: Locale): Promise<UppyLocale | undefined> {
  const pack = PACKS[locale];
  return pack ? ((await pack()).default as UppyLocale) : undefined;
}
