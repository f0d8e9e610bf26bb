import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formFields } from './http.ts';

const LIMITS = { username: 320, password: 1024 };

test('fields within their limits come back exactly as sent: not cut, not trimmed', () => {
  const form = new URLSearchParams({ username: '  c2 ', password: 'p'.repeat(1024) });
  assert.deepEqual(formFields(form, LIMITS), { ok: true, values: { username: '  c2 ', password: 'p'.repeat(1024) } });
  assert.deepEqual(formFields(new URLSearchParams(), LIMITS), { ok: true, values: { username: '', password: '' } }, 'absent is empty');
  const repeated = new URLSearchParams([['username', 'first'], ['username', 'second'], ['password', 'x']]);
  assert.deepEqual(formFields(repeated, LIMITS), { ok: true, values: { username: 'first', password: 'x' } });
});

test('a field over its limit is refused whole, and named', () => {
  const stored = 'p'.repeat(1024);
  for (const extra of ['anything-else-at-all', 'j'.repeat(9000)]) {
    assert.deepEqual(formFields(new URLSearchParams({ username: 'c2', password: stored + extra }), LIMITS), { ok: false, tooLong: ['password'] });
  }
  const padded = `c2${' '.repeat(318)}SOMEONE-ELSE`;
  assert.equal(padded.length, 332);
  assert.deepEqual(formFields(new URLSearchParams({ username: padded, password: 'x' }), LIMITS), { ok: false, tooLong: ['username'] });
  assert.deepEqual(formFields(new URLSearchParams({ username: 'u'.repeat(10_000), password: stored + 'x' }), LIMITS), { ok: false, tooLong: ['username', 'password'] });
});
