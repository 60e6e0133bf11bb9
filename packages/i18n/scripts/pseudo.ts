// `pnpm -C packages/i18n pseudo > en-XA.json`: the pseudo-locale as a file, for tools that want one. The dashboard
// does not need it: it makes en-XA from en.json when the pseudo-locale is chosen, so it is never stale.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pseudoLocalizeMessages } from '../src/pseudo.ts';

const english = JSON.parse(readFileSync(join(import.meta.dirname, '../messages/en.json'), 'utf8')) as Record<
  string,
  string
>;
process.stdout.write(`${JSON.stringify(pseudoLocalizeMessages(english), null, 2)}\n`);
