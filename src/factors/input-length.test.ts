import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isWithinLimit } from './input-length.ts';

test('a value at the limit is within it, one character more is not', () => {
  assert.equal(isWithinLimit('', 0), true);
  assert.equal(isWithinLimit('a'.repeat(1024), 1024), true);
  assert.equal(isWithinLimit('a'.repeat(1025), 1024), false);
  assert.equal(isWithinLimit('a'.repeat(1024) + 'anything-else-at-all', 1024), false);
  assert.equal(isWithinLimit('a'.repeat(10_000), 1024), false);
  assert.equal(isWithinLimit(`c2${' '.repeat(318)}SOMEONE-ELSE`, 320), false, 'spaces count: nothing is trimmed first');
});

test('characters are code points, so a password of emoji the CLI accepted fits', () => {
  const emoji = '\u{1F600}';
  assert.equal(isWithinLimit(emoji.repeat(1024), 1024), true, '2048 UTF-16 units, 1024 characters');
  assert.equal(isWithinLimit(emoji.repeat(1025), 1024), false);
  assert.equal(isWithinLimit(`${emoji.repeat(1000)}${'a'.repeat(24)}`, 1024), true);
  assert.equal(isWithinLimit(`${emoji.repeat(1000)}${'a'.repeat(25)}`, 1024), false);
  assert.equal(isWithinLimit('\uD800'.repeat(3), 2), false, 'a lone surrogate is one character');
});
