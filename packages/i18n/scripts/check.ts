// Checks the message files: every key used in the dashboard exists, every key exists is used (or is an
// API error code), every API error code has a message, and every language has the same keys as English.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES } from '../../shared/src/errors.ts';

const here = import.meta.dirname;
const messagesDir = join(here, '../messages');
const sourceDir = join(here, '../../frontend/src');

const load = (file: string) =>
  JSON.parse(readFileSync(join(messagesDir, file), 'utf8')) as Record<string, string>;
const english = load('en.json');
const problems: string[] = [];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'paraglide' ? [] : walk(path);
    return /\.(svelte|ts)$/.test(name) ? [path] : [];
  });
}

const used = new Set<string>();
for (const file of walk(sourceDir)) {
  for (const match of readFileSync(file, 'utf8').matchAll(/\bt\(\s*['"]([\w.]+)['"]/g))
    used.add(match[1] as string);
}

for (const key of used)
  if (!(key in english)) problems.push(`missing: "${key}" is used in the dashboard but not in en.json`);
for (const code of ERROR_CODES)
  if (!(`error.${code}` in english))
    problems.push(`missing: API error code ${code} has no "error.${code}" message`);
for (const key of Object.keys(english)) {
  if (!used.has(key) && !key.startsWith('error.'))
    problems.push(`unused: "${key}" is in en.json but never used`);
}
for (const file of readdirSync(messagesDir).filter((f) => f !== 'en.json' && f.endsWith('.json'))) {
  const other = load(file);
  for (const key of Object.keys(english))
    if (!(key in other)) problems.push(`untranslated: ${file} lacks "${key}"`);
  for (const key of Object.keys(other))
    if (!(key in english)) problems.push(`stale: ${file} has "${key}", which en.json does not`);
}

if (problems.length > 0) {
  console.error(`i18n check failed (${problems.length}):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`i18n check passed: ${Object.keys(english).length} keys, ${used.size} used in the dashboard`);
