/**
 * The dashboard's languages. `code` is the BCP 47 tag used for the message file (packages/i18n/messages/<code>.json),
 * the users.locale column, the locale cookie and `Intl`. `dir` is the writing direction of the whole page.
 */
export const LOCALES = [
  { code: 'en', englishName: 'English', nativeName: 'English', dir: 'ltr' },
  { code: 'de', englishName: 'German', nativeName: 'Deutsch', dir: 'ltr' },
  { code: 'fr', englishName: 'French', nativeName: 'Français', dir: 'ltr' },
  { code: 'es', englishName: 'Spanish', nativeName: 'Español', dir: 'ltr' },
  { code: 'it', englishName: 'Italian', nativeName: 'Italiano', dir: 'ltr' },
  { code: 'pt-BR', englishName: 'Portuguese (Brazil)', nativeName: 'Português (Brasil)', dir: 'ltr' },
  { code: 'nl', englishName: 'Dutch', nativeName: 'Nederlands', dir: 'ltr' },
  { code: 'pl', englishName: 'Polish', nativeName: 'Polski', dir: 'ltr' },
  { code: 'sv', englishName: 'Swedish', nativeName: 'Svenska', dir: 'ltr' },
  { code: 'tr', englishName: 'Turkish', nativeName: 'Türkçe', dir: 'ltr' },
  { code: 'ru', englishName: 'Russian', nativeName: 'Русский', dir: 'ltr' },
  { code: 'uk', englishName: 'Ukrainian', nativeName: 'Українська', dir: 'ltr' },
  { code: 'ar', englishName: 'Arabic', nativeName: 'العربية', dir: 'rtl' },
  { code: 'he', englishName: 'Hebrew', nativeName: 'עברית', dir: 'rtl' },
  { code: 'hi', englishName: 'Hindi', nativeName: 'हिन्दी', dir: 'ltr' },
  { code: 'ja', englishName: 'Japanese', nativeName: '日本語', dir: 'ltr' },
  { code: 'ko', englishName: 'Korean', nativeName: '한국어', dir: 'ltr' },
  { code: 'zh-CN', englishName: 'Chinese (Simplified)', nativeName: '简体中文', dir: 'ltr' },
  { code: 'zh-TW', englishName: 'Chinese (Traditional)', nativeName: '繁體中文', dir: 'ltr' },
  { code: 'id', englishName: 'Indonesian', nativeName: 'Bahasa Indonesia', dir: 'ltr' },
  // Pseudo-locale: English made longer and accented (generated from en.json), for finding truncation and text
  // that does not come from the messages. Offered in development builds only.
  { code: 'en-XA', englishName: 'Pseudo-locale', nativeName: '[Ƥšéûðö]', dir: 'ltr' },
] as const;

export type Locale = (typeof LOCALES)[number]['code'];
export const LOCALE_CODES = LOCALES.map((locale) => locale.code) as [Locale, ...Locale[]];
export const DEFAULT_LOCALE: Locale = 'en';
export const PSEUDO_LOCALE: Locale = 'en-XA';
/** Remembers the chosen language in the browser (also for signed-out pages); users.locale wins once known. */
export const LOCALE_COOKIE_NAME = 'pf_locale';
export const LOCALE_COOKIE_MAX_AGE_SECONDS = 400 * 24 * 60 * 60;

export const isLocale = (value: unknown): value is Locale =>
  typeof value === 'string' && (LOCALE_CODES as readonly string[]).includes(value);

export const localeDirection = (locale: Locale): 'ltr' | 'rtl' =>
  LOCALES.find((entry) => entry.code === locale)?.dir ?? 'ltr';
