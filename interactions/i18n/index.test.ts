import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickLocale, translator } from './index.ts';
import { en } from './en.ts';
import { nl } from './nl.ts';
import { fr } from './fr.ts';

test('the switcher wins, then ui_locales, then Accept-Language; Dutch is the default', () => {
  assert.equal(pickLocale('en-GB nl', 'nl'), 'en');
  assert.equal(pickLocale('de', 'fr;q=0.9, en;q=0.8'), 'fr');
  assert.equal(pickLocale('de', 'es, en;q=0.8'), 'en');
  assert.equal(pickLocale(undefined, 'en', 'fr'), 'fr', 'the switcher beats Accept-Language');
  // The switcher is on every page: a click on it that changed nothing because the app sent ui_locales
  // would leave the person on a page they cannot read. ui_locales is the app's hint, the click theirs.
  assert.equal(pickLocale('en', 'nl', 'fr'), 'fr', 'the switcher beats ui_locales');
  assert.equal(pickLocale('en', 'nl', 'xx'), 'en', 'ui_locales beats Accept-Language');
  assert.equal(pickLocale(undefined, 'en', 'xx'), 'en');
  assert.equal(pickLocale(undefined, 'de, en;q=0.5, nl;q=0.7'), 'nl');
  assert.equal(pickLocale(undefined, 'en-US,en;q=0.9'), 'en');
  assert.equal(pickLocale(undefined, undefined), 'nl');
  assert.equal(pickLocale(undefined, 'en;q=0'), 'nl');
});

test('placeholders are filled and both catalogues have the same keys', () => {
  assert.equal(translator('en')('throttled', { seconds: 30 }), 'Too many failed attempts. Try again in 30 seconds.');
  assert.deepEqual(Object.keys(en).sort(), Object.keys(nl).sort());
  assert.deepEqual(Object.keys(fr).sort(), Object.keys(nl).sort());
  for (const [k, v] of Object.entries(en)) assert.ok(v.trim().length > 0, `empty English text for ${k}`);
});
