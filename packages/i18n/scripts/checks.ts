// The checks behind `pnpm -C packages/i18n check`, as functions over plain data so each can be tested on a
// made-up language (checks.test.ts). check.ts runs them over the real files.
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { IntlMessageFormat } from 'intl-messageformat';
import { parse as parseSvelte } from 'svelte/compiler';

export type Catalogue = Record<string, string>;

/** What a message's arguments are: name → kind (`argument` for a plain `{name}`, else plural, select, ...). */
export type ArgumentKinds = Map<string, string>;

const KIND: Partial<Record<TYPE, string>> = {
  [TYPE.argument]: 'argument',
  [TYPE.number]: 'number',
  [TYPE.date]: 'date',
  [TYPE.time]: 'time',
  [TYPE.select]: 'select',
  [TYPE.plural]: 'plural',
};

export function parseMessage(message: string): MessageFormatElement[] {
  return parse(message, { ignoreTag: true, requiresOtherClause: true });
}

/** Walks every element, plural and select branches included. */
function walk(elements: MessageFormatElement[], visit: (element: MessageFormatElement) => void): void {
  for (const element of elements) {
    visit(element);
    if (element.type === TYPE.plural || element.type === TYPE.select)
      for (const option of Object.values(element.options)) walk(option.value, visit);
    if (element.type === TYPE.tag) walk(element.children, visit);
  }
}

export function argumentsOf(elements: MessageFormatElement[]): ArgumentKinds {
  const kinds: ArgumentKinds = new Map();
  walk(elements, (element) => {
    const kind = KIND[element.type];
    if (!kind || !('value' in element)) return;
    const ordinal = element.type === TYPE.plural && element.pluralType === 'ordinal';
    const previous = kinds.get(element.value);
    // A name used both plainly and as a plural (`{count}` inside its own plural) counts as the plural.
    if (!previous || previous === 'argument') kinds.set(element.value, ordinal ? 'selectordinal' : kind);
  });
  return kinds;
}

const describeKind = (kind: string) => (kind === 'argument' ? 'a plain {placeholder}' : `a ${kind}`);

/**
 * How a translation's arguments differ from English's, in words (empty when they agree). The names must be the
 * same. A plain English `{count}` may become a plural in a language that inflects for it; a plural or select in
 * English stays one (except in a language with one plural form, `locale`'s, where `{count}` says the same), and
 * a select keeps English's cases.
 */
export function argumentProblems(
  english: MessageFormatElement[],
  other: MessageFormatElement[],
  locale?: string,
): string[] {
  const [want, have] = [argumentsOf(english), argumentsOf(other)];
  const problems: string[] = [];
  for (const name of want.keys()) if (!have.has(name)) problems.push(`lost the placeholder {${name}}`);
  for (const name of have.keys())
    if (!want.has(name))
      problems.push(`has {${name}}, which English does not (placeholder names stay English)`);
  for (const [name, kind] of want) {
    const theirs = have.get(name);
    if (!theirs || theirs === kind) continue;
    if (kind === 'argument' && (theirs === 'plural' || theirs === 'number')) continue;
    const oneForm = locale !== undefined && pluralCategories(locale).join() === 'other';
    if (kind === 'plural' && theirs === 'argument' && oneForm) continue;
    problems.push(`{${name}} is ${describeKind(theirs)} here but ${describeKind(kind)} in English`);
  }
  const selectCases = (elements: MessageFormatElement[]) => {
    const cases = new Map<string, string>();
    walk(elements, (element) => {
      if (element.type === TYPE.select)
        cases.set(element.value, Object.keys(element.options).sort().join(' '));
    });
    return cases;
  };
  const theirCases = selectCases(other);
  for (const [name, cases] of selectCases(english)) {
    const theirs = theirCases.get(name);
    if (theirs !== undefined && theirs !== cases)
      problems.push(`the select {${name}} has the cases "${theirs}", English has "${cases}"`);
  }
  return problems;
}

/** Plural categories a language uses (cardinal or ordinal), from the runtime's CLDR data. */
export function pluralCategories(locale: string, type: 'cardinal' | 'ordinal' = 'cardinal'): string[] {
  return new Intl.PluralRules(locale, { type }).resolvedOptions().pluralCategories as string[];
}

/**
 * Plurals that lack a category the language needs (`missing`) or have one it never uses (`unused`, harmless
 * but usually a copy of English). `=0`-style exact matches are always allowed.
 */
export function pluralProblems(
  elements: MessageFormatElement[],
  locale: string,
): { missing: string[]; unused: string[] } {
  const missing: string[] = [];
  const unused: string[] = [];
  walk(elements, (element) => {
    if (element.type !== TYPE.plural) return;
    const needed = pluralCategories(locale, element.pluralType === 'ordinal' ? 'ordinal' : 'cardinal');
    const given = Object.keys(element.options).filter((selector) => !selector.startsWith('='));
    for (const category of needed)
      if (!given.includes(category)) missing.push(`{${element.value}} lacks the "${category}" form`);
    for (const category of given)
      if (!needed.includes(category))
        unused.push(`{${element.value}} has a "${category}" form ${locale} never uses`);
  });
  return { missing, unused };
}

/** Sample values for every argument of a message: numbers for plurals, a date for dates, text for the rest. */
export function sampleValues(kinds: ArgumentKinds, count: number): Record<string, string | number | Date> {
  return Object.fromEntries(
    [...kinds].map(([name, kind]) => [
      name,
      kind === 'plural' || kind === 'selectordinal' || kind === 'number'
        ? count
        : kind === 'date' || kind === 'time'
          ? new Date(Date.UTC(2026, 0, 2, 3, 4, 5))
          : kind === 'select'
            ? 'other'
            : `«${name}»`,
    ]),
  );
}

// Counts that reach every plural category in the 20 languages (0, 1, 2, few, many, fractions).
const SAMPLE_COUNTS = [0, 1, 2, 3, 5, 11, 21, 22, 25, 100, 101, 1000001, 1.5];

/**
 * Formats a message as the dashboard would, with values that reach each plural branch; the problem when the
 * output is empty or formatting throws (what a broken compile looks like at run time).
 */
export function compileProblem(message: string, locale: string, kinds: ArgumentKinds): string | null {
  try {
    const format = new IntlMessageFormat(message, locale, undefined, { ignoreTag: true });
    const counts = [...kinds.values()].some((kind) => kind === 'plural' || kind === 'number')
      ? SAMPLE_COUNTS
      : [1];
    for (const count of counts) {
      const output = String(format.format(sampleValues(kinds, count)));
      if (output.trim() === '') return `formats to nothing (count ${count})`;
    }
    return null;
  } catch (error) {
    return `does not format: ${(error as Error).message}`;
  }
}

/** Whether a message has anything to translate: letters outside its placeholders. */
export function hasWords(elements: MessageFormatElement[]): boolean {
  let words = false;
  walk(elements, (element) => {
    if (element.type === TYPE.literal && /\p{L}{2,}/u.test(element.value)) words = true;
  });
  return words;
}

/** Whether any literal text still has three plain ASCII letters in a row (the pseudo-locale accents them all). */
export function plainWords(elements: MessageFormatElement[]): boolean {
  let plain = false;
  walk(elements, (element) => {
    if (element.type === TYPE.literal && /[A-Za-z]{3}/.test(element.value)) plain = true;
  });
  return plain;
}

/** Keys whose translation may read exactly as the English: brand and technical names, not sentences. */
export const SAME_AS_ENGLISH_ALLOWED = new Set([
  'app.name',
  'settings.sharex.title',
  'image.copy.html',
  'image.copy.markdown',
  'image.copy.cdn',
  'image.copy.short',
  'image.copy.srcset',
  'settings.sharex.download',
  'webhooks.deliveries.ms',
  'backups.field.endpoint',
  'custom_domain.record.type',
  'nav.docs',
]);
/**
 * Words that are the same in many languages (loanwords and acronyms): a translation may keep them. Anything else
 * identical to English is taken for an untranslated message, unless listed for that language below.
 */
export const SAME_AS_ENGLISH_VALUES = new Set([
  'OK',
  'API',
  'URL',
  'CDN',
  'HTML',
  'Markdown',
  'GitHub',
  'ShareX',
  'S3',
  'Webhook',
  'Webhooks',
  'Slug',
  'Hotlink',
  'Album',
  'Albums',
  'Tags',
  'Tag',
  'Status',
  'Name',
  'Details',
  'Format',
  'Region',
  'Bio',
  'Export',
  'Import',
  'Upload',
  'Backup',
  'Backups',
  'Cache',
  'Metadata',
  'Text',
  'Auto',
  'auto',
  'Bucket',
  'Blur',
]);
/** Per language, keys whose translation is rightly the English text (fill in when a translator says so). */
export const SAME_AS_ENGLISH_BY_LOCALE: Record<string, string[]> = {
  // These are the native words in each language (French Actions, Italian Password, Dutch Website...), not English.
  de: ['color.orange', 'profile.field.website', 'passkeys.title'],
  fr: [
    'albums.field.description',
    'color.orange',
    'albums.public',
    'analytics.host',
    'image.dimensions',
    'image.field.description',
    'image.type',
    'library.type',
    'nav.menu',
    'overview.usage.images',
    'passkeys.list.actions',
    'share.list.actions',
    'share.list.image',
    'webhooks.deliveries.actions',
  ],
  id: ['analytics.bandwidth', 'nav.menu', 'upload.progress'],
  it: ['nav.menu', 'share.list.password'],
  nl: [
    'analysis.labels',
    'analytics.host',
    'image.type',
    'library.type',
    'nav.menu',
    'passkeys.title',
    'profile.field.website',
  ],
  pl: ['nav.menu'],
  'pt-BR': ['analytics.host', 'nav.menu', 'upload.progress'],
  sv: ['color.orange'],
  tr: ['analytics.host'],
};

/**
 * Text in a Svelte component that people read but that does not come from a message: text nodes and the
 * `placeholder`, `title`, `aria-label`, `alt` and `label` attributes written out literally. Symbols, numbers and
 * punctuation alone are fine (☰, ×, ·); so are attribute values that are examples of input, not words
 * (URLs, `octocat`), listed with an `i18n-ignore` comment or below.
 */
const READ_ATTRIBUTES = new Set(['placeholder', 'title', 'aria-label', 'alt', 'label', 'aria-description']);
// URLs, addresses, host names and paths (examples of input), and anything with no letters at all.
const NOT_WORDS = /^(?:https?:\/\/\S*|[\w.-]+@[\w.-]+|[\w-]+(?:[./][\w-]*)+|[^\p{L}]*)$/u;

interface SvelteNode {
  type: string;
  start: number;
  end: number;
  data?: string;
  name?: string;
  value?: true | SvelteNode | SvelteNode[];
  [key: string]: unknown;
}

export function hardCodedText(
  source: string,
  allowed: ReadonlySet<string> = new Set(),
): { line: number; text: string }[] {
  const ast = parseSvelte(source, { modern: true }) as unknown as { fragment: SvelteNode };
  const found: { line: number; text: string }[] = [];
  const lineOf = (offset: number) => source.slice(0, offset).split('\n').length;
  const ignoredLines = new Set<number>();
  source.split('\n').forEach((line, index) => {
    if (line.includes('i18n-ignore')) ignoredLines.add(index + 2); // the comment marks the next line
  });
  const report = (offset: number, text: string) => {
    const clean = text.replace(/\s+/g, ' ').trim();
    const line = lineOf(offset);
    if (!clean || NOT_WORDS.test(clean) || allowed.has(clean) || ignoredLines.has(line)) return;
    found.push({ line, text: clean });
  };
  const visit = (node: unknown, parentName: string | undefined): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const child of node) visit(child, parentName);
      return;
    }
    const element = node as SvelteNode;
    if (element.type === 'Text' && typeof element.data === 'string') {
      // Code samples and <style>/<script> bodies are not prose.
      if (parentName !== 'code' && parentName !== 'pre' && parentName !== 'kbd')
        report(element.start, element.data);
      return;
    }
    if (element.type === 'Attribute') {
      const parts = Array.isArray(element.value) ? element.value : [];
      if (element.name && READ_ATTRIBUTES.has(element.name))
        for (const part of parts) if (part.type === 'Text' && part.data) report(part.start, part.data);
      return;
    }
    if (element.type === 'Comment' || element.type === 'Script' || element.type === 'StyleSheet') return;
    const name =
      (element.type === 'RegularElement' || element.type === 'SvelteElement') && element.name
        ? element.name
        : parentName;
    for (const [key, value] of Object.entries(element)) {
      if (key === 'type' || key === 'start' || key === 'end' || key === 'metadata') continue;
      if (value && typeof value === 'object') visit(value, name);
    }
  };
  visit(ast.fragment, undefined);
  return found;
}

// Tailwind classes tied to left and right: in Arabic and Hebrew the page is mirrored, so spacing and position go
// by start and end (ms-, me-, ps-, pe-, start-, end-, text-start, rounded-s, border-s).
const PHYSICAL_CLASS =
  /(?<=["'`\s{])(?:[\w-]+:)*(-?(?:m[lr]|p[lr]|scroll-m[lr]|scroll-p[lr])-[\w[\]./-]+|-?(?:left|right)-[\w[\]./-]+|text-(?:left|right)|float-(?:left|right)|clear-(?:left|right)|rounded-[lr](?:-[\w-]+)?|rounded-[tb][lr](?:-[\w-]+)?|border-[lr](?:-[\w-]+)?)(?=["'`\s}])/g;

/** Physical (left/right) Tailwind classes in a component's markup, with their lines. */
export function physicalClasses(source: string): { line: number; text: string }[] {
  // Only the markup: a script's or style's words are not class lists.
  const markup = source.replace(/<(script|style)[\s\S]*?<\/\1>/g, (block) => block.replace(/[^\n]/g, ' '));
  return [...markup.matchAll(PHYSICAL_CLASS)].map((match) => ({
    line: markup.slice(0, match.index).split('\n').length,
    text: match[0],
  }));
}
