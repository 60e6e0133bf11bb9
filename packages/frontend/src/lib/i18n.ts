// The dashboard's side of @pixelflare/i18n: which languages have a message file (found at build time, each its
// own chunk loaded on demand), loading the active one, and remembering a choice in the locale cookie.
import {
  DEFAULT_LOCALE,
  LOCALE_COOKIE_MAX_AGE_SECONDS,
  LOCALE_COOKIE_NAME,
  PSEUDO_LOCALE,
  isLocale,
  type Locale,
} from '@pixelflare/config';
import { loadLocale as load, localeOptions, type MessageLoader, type Messages } from '@pixelflare/i18n';

// Only the file of the active language is fetched: every one is a separate dynamic import.
const files = import.meta.glob<Messages>('../../../i18n/messages/*.json', { import: 'default' });

const loaders: Partial<Record<Locale, MessageLoader>> = {};
for (const [path, loader] of Object.entries(files)) {
  const code = path.slice(path.lastIndexOf('/') + 1, -'.json'.length);
  if (isLocale(code)) loaders[code] = loader;
}

/** The pseudo-locale is for finding layout and translation gaps: development builds offer it, production does not. */
export const PSEUDO_OFFERED = import.meta.env.DEV || import.meta.env.MODE === 'test';

/** Languages with a message file here (plus the pseudo-locale, made from English), in the config's order. */
export const AVAILABLE_LOCALES: readonly Locale[] = localeOptions(
  [...(Object.keys(loaders) as Locale[]), PSEUDO_LOCALE],
  true,
).map((entry) => entry.code);

/** What the language menus list. */
export const LANGUAGE_OPTIONS = localeOptions(AVAILABLE_LOCALES, PSEUDO_OFFERED);

/** Loads a language's messages (once) and makes it the active one. */
export function loadLocale(locale: Locale): Promise<void> {
  return load(AVAILABLE_LOCALES.includes(locale) ? locale : DEFAULT_LOCALE, loaders);
}

/** Remembers the language in the browser (null: forget it, so the browser's language applies again). */
export function rememberLocale(locale: Locale | null): void {
  document.cookie =
    locale === null
      ? `${LOCALE_COOKIE_NAME}=; Path=/; Max-Age=0; SameSite=Lax`
      : `${LOCALE_COOKIE_NAME}=${locale}; Path=/; Max-Age=${LOCALE_COOKIE_MAX_AGE_SECONDS}; SameSite=Lax`;
}
