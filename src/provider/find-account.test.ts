import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { User } from '../accounts/types.ts';
import { createFindAccount, tokenAllowed } from './find-account.ts';

test('tokenAllowed: a role that must use TOTP takes only tokens from a two-factor sign-in; others take any', () => {
  assert.equal(tokenAllowed(true, { acr: 'aal2', amr: ['pwd', 'otp', 'mfa'] }), true);
  assert.equal(tokenAllowed(true, { acr: 'aal2', amr: ['pwd', 'mfa'] }), true, 'a recovery code is a second factor');
  // An essential request for aal1 is answered with acr aal1 (OIDC Core 5.5.1.1): the methods decide.
  assert.equal(tokenAllowed(true, { acr: 'aal1', amr: ['pwd', 'otp', 'mfa'] }), true);
  assert.equal(tokenAllowed(true, { acr: 'aal1', amr: ['pwd'] }), false);
  assert.equal(tokenAllowed(true, { acr: 'aal2' }), false, 'no methods, no second factor');
  assert.equal(tokenAllowed(true, { acr: 'aal2', amr: 'mfa' }), false, 'amr is a list');
  assert.equal(tokenAllowed(true, { acr: undefined }), false, 'a refresh token without a level is not aal2');
  assert.equal(tokenAllowed(false, { acr: 'aal1', amr: ['pwd'] }), true);
  // No token (the authorization endpoint, from the session) or one without acr (access tokens).
  assert.equal(tokenAllowed(true, undefined), true);
  assert.equal(tokenAllowed(true, { jti: 'at' }), true);
});

test('findAccount: disabled accounts and refused tokens resolve to nothing; the role sets mfaRequired', async () => {
  const user = (role: User['role'], disabled = false): User => ({
    id: `id-${role}`, username: role, email: `${role}@example.test`, name: role, role, passwordHash: 'x', disabled, signOutEpoch: 0, createdAt: new Date(0), updatedAt: new Date(0),
  });
  const users = new Map([['i', user('installer')], ['c', user('customer')], ['d', user('customer', true)]]);
  const find = createFindAccount(async (id) => users.get(id), ['installer']);
  assert.equal((await find(undefined, 'i'))?.mfaRequired, true);
  assert.equal((await find(undefined, 'c'))?.mfaRequired, false);
  assert.equal(await find(undefined, 'i', { acr: 'aal1', amr: ['pwd'] }), undefined);
  assert.ok(await find(undefined, 'i', { acr: 'aal1', amr: ['pwd', 'otp', 'mfa'] }));
  assert.ok(await find(undefined, 'c', { acr: 'aal1' }));
  assert.equal(await find(undefined, 'd'), undefined);
  assert.equal(await find(undefined, 'nobody'), undefined);
});
