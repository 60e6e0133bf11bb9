// `pnpm -C packages/i18n check` (also `npm test`): the message files are whole and agree with English, and the
// dashboard uses messages for everything people read. Fails (exit 1) listing each problem; see
// packages/docs/guide/translations.md for what each line means and how to fix it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { LOCALES, PSEUDO_LOCALE } from '@pixelflare/config';
import { ERROR_CODES } from '../../shared/src/errors.ts';
import { pseudoLocalize, PSEUDO_EXPANSION, visibleLength } from '../src/pseudo.ts';
import {
  argumentProblems,
  argumentsOf,
  compileProblem,
  hardCodedText,
  hasWords,
  physicalClasses,
  plainWords,
  parseMessage,
  pluralProblems,
  SAME_AS_ENGLISH_ALLOWED,
  SAME_AS_ENGLISH_BY_LOCALE,
  SAME_AS_ENGLISH_VALUES,
  type Catalogue,
} from './checks.ts';

const here = import.meta.dirname;
const messagesDir = join(here, '../messages');
const sourceDir = join(here, '../../frontend/src');

const load = (file: string) => JSON.parse(readFileSync(join(messagesDir, file), 'utf8')) as Catalogue;
const english = load('en.json');
const problems: string[] = [];
const notes: string[] = [];

function walkFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return walkFiles(path);
    return /\.(svelte|ts)$/.test(name) && !/\.test\.ts$/.test(name) ? [path] : [];
  });
}
const sources = walkFiles(sourceDir);

// 1. Keys: used ↔ defined. Error messages are looked up by code (`error.${code}`), the rest by literal key.
const used = new Set<string>();
for (const file of sources)
  for (const match of readFileSync(file, 'utf8').matchAll(/\bt\(\s*['"]([\w.-]+)['"]/g)) used.add(match[1]!);
for (const key of used)
  if (!(key in english)) problems.push(`missing: "${key}" is used in the dashboard but not in en.json`);
for (const code of ERROR_CODES)
  if (!(`error.${code}` in english))
    problems.push(`missing: API error code ${code} has no "error.${code}" message`);
const errorCodes = new Set<string>(ERROR_CODES);
for (const key of Object.keys(english)) {
  if (key.startsWith('error.') ? !errorCodes.has(key.slice(6)) && !used.has(key) : !used.has(key))
    problems.push(`unused: "${key}" is in en.json but never used`);
}

// 2. English itself: every message parses and formats, plurals have English's categories.
const englishAst = new Map(
  Object.entries(english).map(([key, message]) => {
    try {
      return [key, parseMessage(message)] as const;
    } catch (error) {
      problems.push(`syntax: en.json "${key}": ${(error as Error).message}`);
      return [key, null] as const;
    }
  }),
);

function checkLocale(locale: string, catalogue: Catalogue, label: string, translated: boolean) {
  for (const key of Object.keys(english))
    if (!(key in catalogue)) problems.push(`untranslated: ${label} lacks "${key}"`);
  for (const key of Object.keys(catalogue))
    if (!(key in english)) problems.push(`stale: ${label} has "${key}", which en.json does not`);
  for (const [key, message] of Object.entries(catalogue)) {
    const reference = englishAst.get(key);
    if (reference === undefined) continue;
    if (typeof message !== 'string' || message.trim() === '') {
      problems.push(`empty: ${label} "${key}"`);
      continue;
    }
    let ast;
    try {
      ast = parseMessage(message);
    } catch (error) {
      problems.push(`syntax: ${label} "${key}": ${(error as Error).message}`);
      continue;
    }
    if (reference)
      for (const problem of argumentProblems(reference, ast, locale === PSEUDO_LOCALE ? 'en' : locale))
        problems.push(`placeholders: ${label} "${key}" ${problem}`);
    const plurals = pluralProblems(ast, locale === PSEUDO_LOCALE ? 'en' : locale);
    for (const problem of plurals.missing) problems.push(`plural: ${label} "${key}" ${problem}`);
    for (const problem of plurals.unused) notes.push(`plural: ${label} "${key}" ${problem}`);
    const compiled = compileProblem(message, locale === PSEUDO_LOCALE ? 'en' : locale, argumentsOf(ast));
    if (compiled) problems.push(`compile: ${label} "${key}" ${compiled}`);
    if (
      translated &&
      message === english[key] &&
      hasWords(ast) &&
      !SAME_AS_ENGLISH_ALLOWED.has(key) &&
      !SAME_AS_ENGLISH_VALUES.has(message) &&
      !(SAME_AS_ENGLISH_BY_LOCALE[locale] ?? []).includes(key)
    )
      problems.push(`english: ${label} "${key}" is the English text ("${message.slice(0, 60)}")`);
  }
}

checkLocale('en', english, 'en.json', false);

// 3. Each translation against English. A language in the list without a file yet is only noted.
const known = new Set<string>(LOCALES.map((locale) => locale.code));
const files = readdirSync(messagesDir).filter((file) => file.endsWith('.json'));
for (const file of files) {
  const locale = file.replace(/\.json$/, '');
  if (!known.has(locale) || locale === PSEUDO_LOCALE)
    problems.push(`unknown: messages/${file} is not a language in packages/config LOCALES`);
}
let translations = 0;
for (const { code } of LOCALES) {
  if (code === 'en' || code === PSEUDO_LOCALE) continue;
  if (!files.includes(`${code}.json`)) {
    notes.push(`not yet present: messages/${code}.json`);
    continue;
  }
  translations += 1;
  checkLocale(code, load(`${code}.json`), `${code}.json`, true);
}

// 4. The pseudo-locale, made from English at load time: same structure, accented, bracketed, longer.
const pseudo: Catalogue = {};
for (const [key, message] of Object.entries(english)) {
  if (!englishAst.get(key)) continue;
  const made = (pseudo[key] = pseudoLocalize(message));
  if (!made.startsWith('[') || !made.endsWith(']')) problems.push(`pseudo: "${key}" is not bracketed`);
  if (plainWords(parseMessage(made))) problems.push(`pseudo: "${key}" keeps plain English words: ${made}`);
  const [before, after] = [visibleLength(englishAst.get(key)!), visibleLength(parseMessage(made))];
  if (after < before * (1 + PSEUDO_EXPANSION * 0.9))
    problems.push(`pseudo: "${key}" is not about ${PSEUDO_EXPANSION * 100} % longer`);
}
checkLocale(PSEUDO_LOCALE, pseudo, `${PSEUDO_LOCALE} (pseudo)`, false);

// 5. Text in Svelte components (and 6., their classes) that people read but that is not from a message.
for (const file of sources.filter((path) => path.endsWith('.svelte'))) {
  const source = readFileSync(file, 'utf8');
  const where = relative(join(here, '../..'), file);
  for (const { line, text } of hardCodedText(source))
    problems.push(`hard-coded: ${where}:${line} "${text.slice(0, 60)}" is not from t()`);
  // 6. Right-to-left: layout by start and end, not left and right.
  for (const { line, text } of physicalClasses(source))
    problems.push(
      `rtl: ${where}:${line} "${text}" is left/right; use the logical class (ms-, me-, ps-, pe-, start-, end-, text-start)`,
    );
}

for (const note of notes) console.log(`  note: ${note}`);
if (problems.length > 0) {
  console.error(`i18n check failed (${problems.length}):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(
  `i18n check passed: ${Object.keys(english).length} keys (${used.size} used in the dashboard), ` +
    `${translations} translations + ${PSEUDO_LOCALE}`,
);
