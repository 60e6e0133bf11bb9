import { DEFAULT_LOCALE, PSEUDO_LOCALE, isLocale, type Locale } from '@pixelflare/config';

// Tags whose language alone does not say which of our variants fits: Chinese by script or region.
const TRADITIONAL_CHINESE = /^zh-(hant|tw|hk|mo)\b/i;

/** The best of `available` for one requested tag, or null: exact, then a variant of the same language. */
function matchOne(tag: string, available: readonly Locale[]): Locale | null {
  const exact = available.find((locale) => locale.toLowerCase() === tag.toLowerCase());
  if (exact) return exact;
  const language = tag.split('-')[0]!.toLowerCase();
  if (language === 'zh') {
    const wanted = TRADITIONAL_CHINESE.test(tag) ? 'zh-TW' : 'zh-CN';
    return available.includes(wanted) ? wanted : null;
  }
  // The pseudo-locale is asked for by its exact tag only, never as "some English".
  return (
    available.find(
      (locale) => locale !== PSEUDO_LOCALE && locale.split('-')[0]!.toLowerCase() === language,
    ) ?? null
  );
}

/** The best of `available` for an `Accept-Language` header (by q-value, then order), or null. */
export function negotiateLocale(
  header: string | null | undefined,
  available: readonly Locale[],
): Locale | null {
  if (!header) return null;
  const wanted = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag.trim(), q: q ? Number(q.slice(2)) : 1, index };
    })
    .filter((entry) => entry.tag && entry.tag !== '*' && Number.isFinite(entry.q) && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of wanted) {
    const match = matchOne(tag, available);
    if (match) return match;
  }
  return null;
}

/**
 * The language to show: the saved preference (users.locale), then the cookie, then `Accept-Language`, then
 * English. Anything not in `available` (unknown, or a language whose file is not there) is skipped.
 */
export function pickLocale(
  sources: { saved?: string | null; cookie?: string | null; acceptLanguage?: string | null },
  available: readonly Locale[],
): Locale {
  for (const choice of [sources.saved, sources.cookie])
    if (isLocale(choice) && available.includes(choice)) return choice;
  return negotiateLocale(sources.acceptLanguage, available) ?? DEFAULT_LOCALE;
}
