import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCodeInput } from './code-input.ts';

test('six digits, with spaces or dashes between or around them, are a TOTP code', () => {
  for (const typed of ['123456', '123 456', ' 123456 ', '\t123 456\n', '123-456', '12-34-56']) {
    assert.deepEqual(readCodeInput(typed, { recovery: true }), { kind: 'totp', code: '123456' }, JSON.stringify(typed));
    assert.deepEqual(readCodeInput(typed, { recovery: false }), { kind: 'totp', code: '123456' }, JSON.stringify(typed));
  }
});

test('a recovery code counts only where the field takes one', () => {
  assert.deepEqual(readCodeInput('ABCDE-FGHJK', { recovery: true }), { kind: 'recovery', code: 'abcdefghjk' });
  assert.deepEqual(readCodeInput(' abcde fghjk ', { recovery: true }), { kind: 'recovery', code: 'abcdefghjk' });
  assert.deepEqual(readCodeInput('abcde-fghjk', { recovery: false }), { kind: 'malformed' });
});

test('anything else is malformed: no lookup needed to refuse it', () => {
  for (const bad of ['', ' ', '12345', '1234567', 'abc123', '12345a', '１２３４５６', '0x1234', '123_456', 'abcde-fghj']) {
    assert.deepEqual(readCodeInput(bad, { recovery: true }), { kind: 'malformed' }, JSON.stringify(bad));
  }
});

test('an over-long value is malformed, never cut to a code', () => {
  assert.deepEqual(readCodeInput(`123456${' '.repeat(40)}`, { recovery: true }), { kind: 'malformed' });
  assert.deepEqual(readCodeInput(`abcde-fghjk${' '.repeat(53)}junk`, { recovery: true }), { kind: 'malformed' });
});
