// The dashboard's messages: ICU MessageFormat (plurals, select, placeholders) through FormatJS's intl-messageformat,
// over one JSON file per language. Only the active language's file is loaded (the app hands in a loader per
// language, a dynamic import, so each file is its own chunk), and each message is compiled once per language.
import { IntlMessageFormat } from 'intl-messageformat';
import {
  DEFAULT_LOCALE,
  LOCALES,
  PSEUDO_LOCALE,
  isLocale,
  localeDirection,
  type Locale,
} from '@pixelflare/config';
// Type only: English is loaded like any other language, not bundled with this module.
import type English from '../messages/en.json';

/** Every message key: the keys of en.json, so a typo in `t('...')` fails the typecheck. */
export type MessageKey = Extract<keyof typeof English, string>;
export type Messages = Record<MessageKey, string>;
export type MessageValues = Record<string, string | number | Date>;
/** Loads one language's messages (a dynamic import of its JSON file). */
export type MessageLoader = () => Promise<Messages>;

export { DEFAULT_LOCALE, LOCALES, PSEUDO_LOCALE, isLocale, localeDirection, type Locale };
export { negotiateLocale, pickLocale } from './negotiate';

const catalogues = new Map<Locale, Messages>();
const compiled = new Map<Locale, Map<string, IntlMessageFormat>>();
let active: Locale = DEFAULT_LOCALE;

/** The locale `Intl` gets: the pseudo-locale is English underneath (plural rules, digits, dates). */
export const intlLocaleOf = (locale: Locale): string => (locale === PSEUDO_LOCALE ? 'en' : locale);

export const activeLocale = (): Locale => active;
/** The active locale as `Intl` knows it, for number, date and relative-time formatters. */
export const intlLocale = (): string => intlLocaleOf(active);
export const activeDirection = (): 'ltr' | 'rtl' => localeDirection(active);
export const isLoaded = (locale: Locale): boolean => catalogues.has(locale);

/** Makes a loaded language the active one (synchronous, so a server render can set it right before it starts). */
export function setLocale(locale: Locale): void {
  if (!catalogues.has(locale))
    throw new Error(`Messages for ${locale} are not loaded: call loadLocale first`);
  active = locale;
}

/** Adds a language's messages (tests and the loader); replaces what was there and drops its compiled formats. */
export function addMessages(locale: Locale, messages: Messages): void {
  catalogues.set(locale, messages);
  compiled.delete(locale);
}

/**
 * Loads a language once (the pseudo-locale is made from English rather than loaded) and makes it active.
 * `loaders` maps each language to the dynamic import of its file; languages without one are not offered.
 */
export async function loadLocale(
  locale: Locale,
  loaders: Partial<Record<Locale, MessageLoader>>,
): Promise<void> {
  if (!catalogues.has(locale)) {
    if (locale === PSEUDO_LOCALE) {
      const english = loaders[DEFAULT_LOCALE];
      if (!english) throw new Error('No loader for English');
      // Loaded only for the pseudo-locale: the other languages do not ship its printer.
      const { pseudoLocalizeMessages } = await import('./pseudo');
      addMessages(locale, pseudoLocalizeMessages(await english()));
    } else {
      const load = loaders[locale];
      if (!load) throw new Error(`No messages for ${locale}`);
      addMessages(locale, await load());
    }
  }
  setLocale(locale);
}

function formatterFor(locale: Locale, key: MessageKey): IntlMessageFormat | null {
  let cache = compiled.get(locale);
  if (!cache) compiled.set(locale, (cache = new Map()));
  let formatter = cache.get(key);
  if (!formatter) {
    const message = catalogues.get(locale)?.[key];
    if (message === undefined) return null;
    // Tags are not used in the messages, so `<` stays a plain character.
    formatter = new IntlMessageFormat(message, intlLocaleOf(locale), undefined, { ignoreTag: true });
    cache.set(key, formatter);
  }
  return formatter;
}

/**
 * The message `key` in the active language with `values` filled in. A number value in `{count}` or a plural is
 * formatted for the language. A key missing from the language (the i18n check prevents it) shows the key; a
 * value left out shows the message unformatted, so either gets noticed rather than crashing the page.
 */
export function t(key: MessageKey, values?: MessageValues): string {
  const formatter = formatterFor(active, key);
  if (!formatter) return key;
  try {
    return String(formatter.format(values));
  } catch {
    return catalogues.get(active)?.[key] ?? key;
  }
}

/** Every language with its names and direction, the pseudo-locale only where `withPseudo`. */
export const localeOptions = (available: readonly Locale[], withPseudo: boolean) =>
  LOCALES.filter((entry) => available.includes(entry.code) && (withPseudo || entry.code !== PSEUDO_LOCALE));

export const isRightToLeft = (locale: Locale): boolean => localeDirection(locale) === 'rtl';
export { isLocale as isSupportedLocale };
