import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkNewPassword, isFreshlyConfirmed, mayDisableTotp } from './policy.ts';

test('a confirmation lasts five minutes and never counts from the future', () => {
  assert.equal(isFreshlyConfirmed(null, 1000), false);
  assert.equal(isFreshlyConfirmed(1000, 1000 + 5 * 60_000), true);
  assert.equal(isFreshlyConfirmed(1000, 1000 + 5 * 60_000 + 1), false);
  assert.equal(isFreshlyConfirmed(5000, 1000), false);
});

test('installers cannot turn TOTP off; customers can', () => {
  assert.equal(mayDisableTotp('installer', ['installer']), false);
  assert.equal(mayDisableTotp('customer', ['installer']), true);
});

test('new passwords: 8 characters at least, repeated the same, not the current one', () => {
  assert.equal(checkNewPassword('short', 'short', 'x'), 'too_short');
  assert.equal(checkNewPassword('long enough', 'long enougH', 'x'), 'mismatch');
  assert.equal(checkNewPassword('same-as-now', 'same-as-now', 'same-as-now'), 'same_as_current');
  assert.equal(checkNewPassword('x'.repeat(1025), 'x'.repeat(1025), 'y'), 'too_long');
  // Counted in characters, as the CLI and the sign-in page count: 600 emoji are 1 200 UTF-16 units.
  assert.equal(checkNewPassword('\u{1F600}'.repeat(600), '\u{1F600}'.repeat(600), 'y'), undefined);
  assert.equal(checkNewPassword('ëëëëëëëë', 'ëëëëëëëë', 'x'), undefined);
});

test('new passwords: no control character (the CLI\'s rule), any script or emoji', () => {
  assert.equal(checkNewPassword('long\u0000enough', 'long\u0000enough', 'x'), 'control_character');
  assert.equal(checkNewPassword('long\tenough', 'long\tenough', 'x'), 'control_character');
  assert.equal(checkNewPassword('wachtwoord 密码 👩‍💻', 'wachtwoord 密码 👩‍💻', 'x'), undefined);
});

test('new passwords: not one of the most common ones, whatever the case', () => {
  assert.equal(checkNewPassword('Password1', 'Password1', 'x'), 'common');
  assert.equal(checkNewPassword('QWERTYUIOP', 'QWERTYUIOP', 'x'), 'common');
  assert.equal(checkNewPassword('a quiet tuesday morning', 'a quiet tuesday morning', 'x'), undefined);
});
