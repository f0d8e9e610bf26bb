// What a person sees on the second-factor screens, read from the markup a phone's browser gets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LOCALES, translator, type Locale } from '../i18n/index.ts';
import { accountMessagePage, confirmPage } from '../account/views.ts';
import type { PageContext } from './layout.ts';
import { continuePage, enrolPage, totpPage } from './second-factor.ts';

function pageIn(locale: Locale): PageContext {
  return { t: translator(locale), locale, brand: 'Jullix', basePath: '', languages: LOCALES.map((l) => ({ locale: l, name: l, href: `/lang?set=${l}&back=%2Finteraction%2Fabc`, current: l === locale })) };
}

/** The attributes of every <input> with this name. */
function inputsNamed(markup: string, name: string): Array<Record<string, string>> {
  return [...markup.matchAll(/<input\b([^>]*)>/g)].map((m) => Object.fromEntries([...(m[1] ?? '').matchAll(/([a-z-]+)(?:="([^"]*)")?/g)].map((a) => [a[1] ?? '', a[2] ?? ''])))
    .filter((attrs) => attrs['name'] === name);
}

test('the code step: the app\'s code on a numeric keypad, and a recovery code (letters and a dash) in a field a phone types letters into', () => {
  for (const locale of LOCALES) {
    const out = totpPage(pageIn(locale), { action: '/interaction/abc/totp', cancelAction: '/interaction/abc/abort', csrf: 'c' });
    const fields = inputsNamed(out, 'code');
    const appCode = fields.find((f) => f['inputmode'] === 'numeric');
    assert.equal(appCode?.['autocomplete'], 'one-time-code', locale);
    // inputmode=numeric shows digits only on iOS and Android: "ucxat-3q2fx" could not be typed there.
    const recovery = fields.find((f) => f['inputmode'] !== 'numeric');
    assert.ok(recovery, `${locale}: a field for a recovery code that is not numeric-only`);
    assert.ok(recovery['id'] && new RegExp(`<label for="${recovery['id']}">`).test(out), `${locale}: the recovery-code field has a label`);
    assert.notEqual(recovery['autocomplete'], 'one-time-code', `${locale}: the browser does not offer an SMS code there`);
  }
});

test('the new recovery codes, shown once, have no language link that would leave them for good', () => {
  const page = pageIn('nl');
  const signIn = continuePage(page, { action: '/interaction/abc/continue', csrf: 'c', recoveryCodes: ['aaaaa-bbbbb'] });
  const account = accountMessagePage(page, 'Je herstelcodes', { base: '/account', codes: ['aaaaa-bbbbb'] });
  for (const out of [signIn, account]) {
    assert.match(out, /aaaaa-bbbbb/);
    assert.doesNotMatch(out, /\/lang\?set=/);
  }
  // Every other screen keeps the switcher.
  assert.match(continuePage(page, { action: '/interaction/abc/continue', csrf: 'c' }), /\/lang\?set=fr/);
  assert.match(accountMessagePage(page, 'Mijn account', { base: '/account' }), /\/lang\?set=fr/);
});

test('the account page\'s recovery codes can be copied and printed, as at sign-in', () => {
  const out = accountMessagePage(pageIn('fr'), 'Vos codes', { base: '/account', codes: ['aaaaa-bbbbb'] });
  assert.match(out, /data-copy="recovery-codes"/);
  assert.match(out, /id="recovery-codes"/);
  assert.match(out, /data-print/);
  assert.match(out, /src="\/assets\/enrol\.js"/);
});

test('the account page\'s enrolment has a way back to the account', () => {
  const out = enrolPage(pageIn('nl'), { action: '/account/2fa/enrol', csrf: 'c', qrDataUrl: 'data:image/png;base64,', keyUri: 'otpauth://totp/J:a?secret=A', secretForHumans: 'AAAA', required: false, back: '/account' });
  assert.match(out, /<a href="\/account">Terug naar mijn account<\/a>/);
});

test('after a refused recovery code its fold is open again and its field, not the app code\'s, carries the error', () => {
  const view = { action: '/interaction/abc/totp', cancelAction: '/interaction/abc/abort', csrf: 'c', error: 'Deze code is niet juist.' };
  const refused = totpPage(pageIn('nl'), { ...view, recoveryRefused: true });
  assert.match(refused, /<details class="recovery" open>/);
  const [appCode, recovery] = [inputsNamed(refused, 'code').find((f) => f['inputmode'] === 'numeric'), inputsNamed(refused, 'code').find((f) => f['inputmode'] === 'text')];
  assert.equal(recovery?.['aria-invalid'], 'true');
  assert.equal(recovery?.['aria-describedby'], 'form-error');
  assert.equal(appCode?.['aria-invalid'], undefined);
  assert.equal((refused.match(/autofocus/g) ?? []).length, 1, 'one field has the focus');
  assert.equal(recovery?.['autofocus'], '');
  // A refused app code: the fold stays closed and the app code's field is marked.
  const wrongAppCode = totpPage(pageIn('nl'), view);
  assert.match(wrongAppCode, /<details class="recovery">/);
  assert.equal(inputsNamed(wrongAppCode, 'code').find((f) => f['inputmode'] === 'numeric')?.['aria-invalid'], 'true');
});

test('the account page\'s confirm page ties its error to the password and code fields, as the sign-in page does', () => {
  const page = pageIn('en');
  const out = confirmPage(page, { action: '/account/2fa/disable', csrf: 'c', withCode: true, offerEndOthers: true, back: '/account', error: 'The password or code is not right.' });
  assert.equal(inputsNamed(out, 'password')[0]?.['aria-describedby'], 'form-error');
  assert.equal(inputsNamed(out, 'code')[0]?.['aria-describedby'], 'form-error');
  const calm = confirmPage(page, { action: '/account/2fa/disable', csrf: 'c', withCode: true, offerEndOthers: true, back: '/account' });
  assert.equal(inputsNamed(calm, 'password')[0]?.['aria-describedby'], undefined);
});
