import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { User } from '../accounts/types.ts';
import { finishRefusal } from './finish-check.ts';
import { passwordFingerprint } from './state.ts';

const user: User = {
  id: '0b6f3c1e-6f1f-4f59-9d55-4f1e2b8b0a11', username: 'ria', email: 'ria@example.test', name: 'Ria', role: 'customer',
  passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$old', disabled: false, signOutEpoch: 0, createdAt: new Date(0), updatedAt: new Date(0),
};
const checked = { passwordFingerprint: passwordFingerprint(user.passwordHash), signOutEpoch: 0 };

test('finishRefusal: the account as its steps were checked against may finish', () => {
  assert.equal(finishRefusal(user, checked, false), undefined);
});

test('finishRefusal: a removed or disabled account, or another password, may not; each with its reason', () => {
  assert.equal(finishRefusal(undefined, checked, false), 'account_removed');
  assert.equal(finishRefusal({ ...user, disabled: true }, checked, false), 'account_disabled');
  assert.equal(finishRefusal({ ...user, passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$new' }, checked, false), 'password_changed');
  // A sign-in whose password step left no fingerprint cannot show it was checked against this one.
  assert.equal(finishRefusal(user, { ...checked, passwordFingerprint: null }, false), 'password_changed');
});

test('finishRefusal: progress a sign-out marked (reset-2fa, sign out everywhere else) may not finish; the account\'s own reason is named first', () => {
  assert.equal(finishRefusal(user, checked, true), 'signed_out');
  assert.equal(finishRefusal({ ...user, passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$new' }, checked, true), 'password_changed');
  assert.equal(finishRefusal({ ...user, disabled: true }, checked, true), 'account_disabled');
  assert.equal(finishRefusal(undefined, checked, true), 'account_removed');
});

test('finishRefusal: a sign-out since the sign-in began (the account\'s count moved on) may not finish, whatever became of its progress', () => {
  assert.equal(finishRefusal({ ...user, signOutEpoch: 1 }, checked, false), 'signed_out');
  assert.equal(finishRefusal({ ...user, signOutEpoch: 3 }, { ...checked, signOutEpoch: 3 }, false), undefined);
  // Progress an older instance stored during a rolling upgrade has no count: held to the count as it is now.
  assert.equal(finishRefusal({ ...user, signOutEpoch: 4 }, { ...checked, signOutEpoch: null }, false), undefined);
  assert.equal(finishRefusal(user, { ...checked, signOutEpoch: null }, true), 'signed_out', 'a sign-out that marked it still counts');
  assert.equal(finishRefusal({ ...user, signOutEpoch: 1, disabled: true }, checked, false), 'account_disabled');
});
