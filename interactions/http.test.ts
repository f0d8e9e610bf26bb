import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Context } from 'koa';
import { formFields, throttledMessage } from './http.ts';
import { translator } from './i18n/index.ts';

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

test('a throttled person is told the wait as people say it, rounded up, with Retry-After in seconds', () => {
  const cases: Array<[number, string, string, string]> = [
    [300, '1', 'Probeer het opnieuw over 1 seconde.', 'Try again in 1 second.'],
    [1000, '1', 'Probeer het opnieuw over 1 seconde.', 'Try again in 1 second.'],
    [1001, '2', 'Probeer het opnieuw over 2 seconden.', 'Try again in 2 seconds.'],
    [119_000, '119', 'Probeer het opnieuw over 119 seconden.', 'Try again in 119 seconds.'],
    [120_000, '120', 'Probeer het opnieuw over 2 minuten.', 'Try again in 2 minutes.'],
    [121_000, '121', 'Probeer het opnieuw over 3 minuten.', 'Try again in 3 minutes.'],
    [900_000, '900', 'Probeer het opnieuw over 15 minuten.', 'Try again in 15 minutes.'],
  ];
  for (const [waitMs, retryAfter, nl, en] of cases) {
    const headers: Record<string, string> = {};
    const ctx = { set: (name: string, value: string) => { headers[name] = value; } } as unknown as Context;
    assert.ok(throttledMessage(ctx, translator('nl'), waitMs).endsWith(nl), `${waitMs} ms in Dutch`);
    assert.ok(throttledMessage(ctx, translator('en'), waitMs).endsWith(en), `${waitMs} ms in English`);
    assert.equal(headers['Retry-After'], retryAfter);
  }
  assert.match(throttledMessage({ set: () => undefined } as unknown as Context, translator('fr'), 600_000), /Réessayez dans 10 minutes\.$/);
});
