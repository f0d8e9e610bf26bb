import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RECOVERY_CODE_ALPHABET,
  generateRecoveryCodes,
  hashRecoveryCode,
  normaliseRecoveryCode,
} from './recovery-codes.ts';

const KEY = Buffer.alloc(32, 7);

test('the alphabet has no look-alike symbols', () => {
  assert.equal(RECOVERY_CODE_ALPHABET.length, 31);
  assert.equal(new Set(RECOVERY_CODE_ALPHABET).size, 31);
  for (const ambiguous of '01ilo') assert.ok(!RECOVERY_CODE_ALPHABET.includes(ambiguous), ambiguous);
});

test('ten distinct codes shaped xxxxx-xxxxx by default', () => {
  const codes = generateRecoveryCodes();
  assert.equal(codes.length, 10);
  assert.equal(new Set(codes).size, 10);
  for (const code of codes) assert.match(code, /^[2-9a-hjkmnp-z]{5}-[2-9a-hjkmnp-z]{5}$/);
  assert.equal(generateRecoveryCodes(3).length, 3);
  assert.throws(() => generateRecoveryCodes(0), RangeError);
});

test('every symbol of the alphabet turns up in generated codes', () => {
  const seen = new Set(generateRecoveryCodes(200).join('').replaceAll('-', ''));
  assert.equal(seen.size, RECOVERY_CODE_ALPHABET.length);
});

test('normalising ignores case, spaces and dashes', () => {
  assert.equal(normaliseRecoveryCode('abcde-fghjk'), 'abcdefghjk');
  assert.equal(normaliseRecoveryCode(' ABCDE FGHJK '), 'abcdefghjk');
  assert.equal(normaliseRecoveryCode('ab-cd-ef-gh-jk'), 'abcdefghjk');
  for (const code of generateRecoveryCodes()) assert.equal(normaliseRecoveryCode(code), code.replace('-', ''));
});

test('wrong length or symbols outside the alphabet give null', () => {
  for (const bad of ['', 'abcde-fghj', 'abcde-fghjkm', 'abcde-fghj0', 'abcde-fghjl', 'abcde-fghjo', 'abcde_fghjk', '123456', 'x'.repeat(100)]) {
    assert.equal(normaliseRecoveryCode(bad), null, JSON.stringify(bad));
  }
});

test('a six-digit TOTP code does not look like a recovery code', () => {
  assert.equal(normaliseRecoveryCode('123456'), null);
  assert.equal(normaliseRecoveryCode('123 456'), null);
  assert.equal(normaliseRecoveryCode('ABCDE-FGHJK'), 'abcdefghjk');
});

test('the hash is HMAC-SHA256 hex, keyed and deterministic', () => {
  const hash = hashRecoveryCode('abcdefghjk', KEY);
  assert.match(hash, /^[0-9a-f]{64}$/);
  assert.equal(hashRecoveryCode('abcdefghjk', KEY), hash);
  assert.notEqual(hashRecoveryCode('abcdefghjk', Buffer.alloc(32, 8)), hash);
  assert.notEqual(hashRecoveryCode('abcdefghjm', KEY), hash);
  assert.ok(!hash.includes('abcdefghjk'));
});

test('the hash refuses a display form or a short key', () => {
  assert.throws(() => hashRecoveryCode('abcde-fghjk', KEY), RangeError);
  assert.throws(() => hashRecoveryCode('abcdefghjk', Buffer.alloc(16)), RangeError);
});
