import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commonPasswordCount, isCommonPassword } from './common-passwords.ts';

test('the list ships with the project and holds at least 10 000 passwords', () => {
  // The source has entries that differ only in case; they count once.
  assert.ok(commonPasswordCount() >= 9900, `only ${commonPasswordCount()} entries`);
});

test('common passwords are recognised whatever their case', () => {
  for (const pw of ['password', 'PASSWORD', 'Password', '12345678', 'qwertyuiop', 'iloveyou', ' football1 ', 'sunshine']) {
    assert.equal(isCommonPassword(pw), true, pw);
  }
});

test('uncommon passwords and passphrases pass', () => {
  for (const pw of ['correct horse battery', 'Wh1te-Rabbit!Tea', 'jullix-idp-2024-long', 'ëëëëëëëë', '']) {
    assert.equal(isCommonPassword(pw), false, pw);
  }
});
