// `pnpm -C packages/i18n test` runs these with Node's test runner (through tsx), after the check.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import en from '../messages/en.json' with { type: 'json' };
import {
  activeLocale,
  addMessages,
  loadLocale,
  negotiateLocale,
  pickLocale,
  setLocale,
  t,
  type Messages,
} from './index.ts';
import { pseudoLocalize } from './pseudo.ts';
import type { Locale } from '@pixelflare/config';

const english = en as Messages;

describe('negotiateLocale / pickLocale', () => {
  const available: Locale[] = ['en', 'de', 'pt-BR', 'zh-CN', 'zh-TW', 'ar', 'en-XA'];
  it('takes the best-weighted language we have, a regional variant standing for its language', () => {
    assert.equal(negotiateLocale('fr-CH, fr;q=0.9, de;q=0.8, *;q=0.1', available), 'de');
    assert.equal(negotiateLocale('de-AT', available), 'de');
    assert.equal(negotiateLocale('pt-PT,pt;q=0.9', available), 'pt-BR');
    assert.equal(negotiateLocale('ar;q=0.2, de;q=0.9', available), 'de');
    assert.equal(negotiateLocale('xx, yy', available), null);
    assert.equal(negotiateLocale('', available), null);
  });
  it('tells Traditional from Simplified Chinese by script or region', () => {
    assert.equal(negotiateLocale('zh-Hant-HK', available), 'zh-TW');
    assert.equal(negotiateLocale('zh-HK', available), 'zh-TW');
    assert.equal(negotiateLocale('zh-Hans', available), 'zh-CN');
    assert.equal(negotiateLocale('zh', available), 'zh-CN');
  });
  it('never picks the pseudo-locale for plain English', () => {
    assert.equal(negotiateLocale('en-GB', ['en-XA', 'en']), 'en');
    assert.equal(negotiateLocale('en-GB', ['en-XA']), null);
  });
  it('saved choice, then cookie, then Accept-Language, then English; unavailable choices are skipped', () => {
    assert.equal(pickLocale({ saved: 'ar', cookie: 'de', acceptLanguage: 'zh' }, available), 'ar');
    assert.equal(pickLocale({ saved: null, cookie: 'de', acceptLanguage: 'zh' }, available), 'de');
    assert.equal(
      pickLocale({ saved: 'ja', cookie: 'nonsense', acceptLanguage: 'zh-TW' }, available),
      'zh-TW',
    );
    assert.equal(pickLocale({ acceptLanguage: 'sw' }, available), 'en');
  });
});

describe('t', () => {
  it('formats ICU plurals and numbers for the active language', async () => {
    await loadLocale('en', { en: async () => english });
    assert.equal(t('albums.count', { count: 1 }), '1 image');
    assert.equal(t('albums.count', { count: 1234 }), '1,234 images');
    // A made-up catalogue with German's number format and Arabic-style categories is formatted by its locale.
    addMessages('de', { ...english, 'albums.count': '{count, plural, one {# Bild} other {# Bilder}}' });
    setLocale('de');
    assert.equal(t('albums.count', { count: 1234 }), '1.234 Bilder');
    addMessages('ar', {
      ...english,
      'albums.count':
        '{count, plural, zero {لا صور} one {صورة واحدة} two {صورتان} few {# صور} many {# صورة} other {# صورة}}',
    });
    setLocale('ar');
    assert.equal(t('albums.count', { count: 2 }), 'صورتان');
    assert.equal(activeLocale(), 'ar');
  });
  it('shows the message rather than throwing when a value is missing', async () => {
    await loadLocale('en', { en: async () => english });
    assert.equal(t('session.signed_in_as'), english['session.signed_in_as']);
  });
  it('refuses to switch to a language that is not loaded', () => {
    assert.throws(() => setLocale('ko'), /not loaded/);
  });
  it('makes the pseudo-locale from English', async () => {
    await loadLocale('en-XA', { en: async () => english });
    assert.match(t('albums.count', { count: 3 }), /^\[3 îɱåĝéš .*\]$/);
  });
});

describe('pseudoLocalize', () => {
  it('accents text, keeps placeholders and plural syntax, brackets it and makes it about 40 % longer', () => {
    const made = pseudoLocalize('Delete {name} for good? This cannot be undone.');
    assert.ok(made.startsWith('[Ðéļéţé {name} ƒöŕ ĝööð?'));
    assert.ok(made.endsWith(']'));
    assert.ok(made.length >= 'Delete {name} for good? This cannot be undone.'.length * 1.35);
    assert.equal(
      pseudoLocalize('{n, plural, one {# file} other {# files}}').split('}}')[0],
      '[{n,plural,one{# ƒîļé} other{# ƒîļéš',
    );
  });
});
