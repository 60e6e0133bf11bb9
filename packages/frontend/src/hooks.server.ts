import type { Handle } from '@sveltejs/kit';
import { LOCALE_COOKIE_NAME, localeDirection } from '@pixelflare/config';
import { pickLocale } from '@pixelflare/i18n';
import { AVAILABLE_LOCALES } from '$lib/i18n';

/**
 * Picks the page's language before anything renders (the locale cookie, which mirrors the signed-in user's saved
 * language, then Accept-Language, then English) and writes `lang` and `dir` into the HTML, so the first paint
 * is already in the right language and direction.
 */
export const handle: Handle = async ({ event, resolve }) => {
  const locale = pickLocale(
    {
      cookie: event.cookies.get(LOCALE_COOKIE_NAME),
      acceptLanguage: event.request.headers.get('accept-language'),
    },
    AVAILABLE_LOCALES,
  );
  event.locals.locale = locale;
  const response = await resolve(event, {
    transformPageChunk: ({ html }) =>
      html.replace('%lang%', locale).replace('%dir%', localeDirection(locale)),
  });
  // The same URL answers in different languages.
  if (response.headers.get('content-type')?.startsWith('text/html'))
    response.headers.append('Vary', 'Accept-Language, Cookie');
  return response;
};
