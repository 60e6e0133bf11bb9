import en from '../messages/en.json' with { type: 'json' };

export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;

export const LANGUAGES = [{ code: 'en', englishName: 'English', nativeName: 'English' }] as const;
export type LanguageCode = (typeof LANGUAGES)[number]['code'];

const catalogues: Record<LanguageCode, Messages> = { en };

/** Looks up a message and fills `{placeholders}`; an unknown placeholder is left visible so it gets noticed. */
export function t(
  key: MessageKey,
  params: Record<string, string | number> = {},
  language: LanguageCode = 'en',
): string {
  const template = catalogues[language][key] ?? en[key];
  return template.replace(/\{(\w+)\}/g, (match, name: string) =>
    name in params ? String(params[name]) : match,
  );
}
