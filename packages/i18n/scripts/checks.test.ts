// The checks catch what they are for, on made-up translations (the real files are checked by check.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  argumentProblems,
  argumentsOf,
  compileProblem,
  hardCodedText,
  parseMessage,
  physicalClasses,
  pluralProblems,
} from './checks.ts';

const args = (english: string, other: string) => argumentProblems(parseMessage(english), parseMessage(other));

describe('placeholders and ICU syntax against English', () => {
  it('accepts the same names, and a plain count turned into a plural', () => {
    assert.deepEqual(args('Hello {name}', 'Hallo {name}'), []);
    assert.deepEqual(
      args('{count} selected', '{count, plural, one {# ausgewählt} other {# ausgewählt}}'),
      [],
    );
  });
  it('flags a lost, renamed or added placeholder, and a plural turned into plain text', () => {
    assert.deepEqual(args('Hello {name}', 'Hallo'), ['lost the placeholder {name}']);
    assert.equal(args('Hello {name}', 'Hallo {Name}').length, 2);
    assert.deepEqual(args('{n, plural, one {# x} other {# xs}}', '{n} x'), [
      '{n} is a plain {placeholder} here but a plural in English',
    ]);
    assert.equal(args('{k, select, a {A} other {B}}', '{k, select, b {A} other {B}}').length, 1);
  });
  it('accepts a plain count for an English plural in a language with one plural form only', () => {
    const english = parseMessage('{n, plural, one {# image} other {# images}}');
    assert.deepEqual(argumentProblems(english, parseMessage('画像 {n} 件'), 'ja'), []);
    assert.equal(argumentProblems(english, parseMessage('{n} изображений'), 'ru').length, 1);
  });
  it('throws on broken syntax (the check reports it)', () => {
    assert.throws(() => parseMessage('{count, plural, one {# x}'));
    assert.throws(() => parseMessage('{count, plural, one {# x}}'), /other/i);
  });
});

describe('plural categories', () => {
  it('wants every category the language has', () => {
    const arabic = parseMessage('{n, plural, one {a} other {b}}');
    assert.deepEqual(pluralProblems(arabic, 'ar').missing.sort(), [
      '{n} lacks the "few" form',
      '{n} lacks the "many" form',
      '{n} lacks the "two" form',
      '{n} lacks the "zero" form',
    ]);
    assert.deepEqual(pluralProblems(parseMessage('{n, plural, other {# 枚}}'), 'ja'), {
      missing: [],
      unused: [],
    });
    assert.deepEqual(pluralProblems(parseMessage('{n, plural, one {a} other {b}}'), 'ja').unused, [
      '{n} has a "one" form ja never uses',
    ]);
    assert.deepEqual(
      pluralProblems(parseMessage('{n, plural, =0 {none} one {a} few {b} many {c} other {d}}'), 'pl').missing,
      [],
    );
  });
});

describe('compiles to text', () => {
  it('formats with sample values and flags a message that formats to nothing', () => {
    const ok = '{n, plural, one {# file} other {# files}}';
    assert.equal(compileProblem(ok, 'en', argumentsOf(parseMessage(ok))), null);
    const empty = '{n, plural, one {} other {}}';
    assert.match(compileProblem(empty, 'en', argumentsOf(parseMessage(empty))) ?? '', /nothing/);
  });
});

describe('hard-coded text in Svelte', () => {
  it('finds text nodes and read attributes not from t(), and leaves code, symbols and examples alone', () => {
    const found = hardCodedText(`
<script>import { t } from '@pixelflare/i18n';</script>
<h1>{t('title')}</h1>
<p>Welcome back</p>
<button aria-label="Close">×</button>
<input placeholder="https://example.com" title={t('x')} class="btn" />
<input placeholder="img.example.com" />
<code>npm start</code>
<img alt="A cat" src="/cat.png" />
<!-- i18n-ignore -->
<span>Pixelflare</span>
<style>p { color: red; }</style>`);
    assert.deepEqual(
      found.map((entry) => entry.text),
      ['Welcome back', 'Close', 'A cat'],
    );
  });
});

describe('physical CSS classes', () => {
  it('finds left/right classes in markup, with variants, and also in expressions (class lists are built there), not in scripts', () => {
    const found = physicalClasses(`<script>const pl = 'ml-2';</script>
<div class="ms-2 ml-auto md:pr-4 text-end">
  <span class="absolute left-0 text-right rounded-l-box">x</span>
  <p class="start-0 -mr-1">{'left-0 pl-3'}</p>
</div>`);
    assert.deepEqual(
      found.map((entry) => `${entry.line}:${entry.text}`),
      [
        '2:ml-auto',
        '2:md:pr-4',
        '3:left-0',
        '3:text-right',
        '3:rounded-l-box',
        '4:-mr-1',
        '4:left-0',
        '4:pl-3',
      ],
    );
  });
});
