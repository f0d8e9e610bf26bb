import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { User } from '../accounts/types.ts';
import type { PasswordHasher } from '../security/password-hashing.ts';
import { createPasswordFactor, hasControlCharacter, PASSWORD_MAX_LENGTH } from './password.ts';

/** A hasher that stores the password itself, so a test sees exactly which string was verified. */
const plainHasher: PasswordHasher = {
  hash: async (password) => `plain:${password}`,
  verify: async (hash, password) => hash === `plain:${password}`,
  needsRehash: () => false,
};

const userWith = (password: string): User => ({
  id: 'u1', username: 'c2', email: 'c2@example.com', name: 'C2', role: 'customer', disabled: false, signOutEpoch: 0,
  passwordHash: `plain:${password}`, createdAt: new Date(0), updatedAt: new Date(0),
});

test('a password of the maximum length signs in; it plus anything at all does not', async () => {
  const stored = 'p'.repeat(PASSWORD_MAX_LENGTH);
  const factor = createPasswordFactor({ hasher: plainHasher });
  const user = userWith(stored);
  assert.equal((await factor.check(user, stored)).ok, true);
  for (const extra of ['anything-else-at-all', 'x'.repeat(9000), ' ']) {
    assert.deepEqual(await factor.check(user, stored + extra), { ok: false, reason: 'wrong_password', user }, `${extra.length} more characters`);
  }
});

test('even a hasher that ignored the tail could not accept an over-long password', async () => {
  const stored = 'p'.repeat(PASSWORD_MAX_LENGTH);
  // Like bcrypt, which reads only the first 72 bytes: the factor must not rely on the hasher.
  const prefixHasher: PasswordHasher = { ...plainHasher, verify: async (hash, password) => hash === `plain:${password.slice(0, PASSWORD_MAX_LENGTH)}` };
  const user = userWith(stored);
  assert.equal((await createPasswordFactor({ hasher: prefixHasher }).check(user, `${stored}x`)).ok, false);
});

test('a new password may hold any letter, space or emoji, but no control character', () => {
  for (const c of ['\u0000', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085']) assert.equal(hasControlCharacter(`pass${c}word`), true, JSON.stringify(c));
  // Emoji joined by U+200D, CJK, a no-break space, accents: all typeable, all kept.
  for (const p of ['👩‍💻 at work', '密码密码密码密码', 'pass\u00a0word', 'pässwörd égal']) assert.equal(hasControlCharacter(p), false, p);
});
