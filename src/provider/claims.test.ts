import assert from 'node:assert/strict';
import { test } from 'node:test';
import { claimsParameterNames, releasedScopes } from './claims.ts';

test('a claim asked for on its own counts as the scope it belongs to', () => {
  assert.deepEqual(releasedScopes(['openid'], ['email', 'name']), ['openid', 'profile', 'email']);
  assert.deepEqual(releasedScopes(['openid', 'roles'], ['roles', 'acr']), ['openid', 'roles']);
  assert.deepEqual(releasedScopes(['openid'], ['address']), ['openid'], 'a claim of no scope is never released');
});

test('the claims parameter: names from id_token and userinfo; nothing from what is not JSON', () => {
  assert.deepEqual(claimsParameterNames('{"id_token":{"email":null},"userinfo":{"roles":{"essential":true},"name":null}}'), ['email', 'roles', 'name']);
  for (const bad of [undefined, '', 'nope', '[1]', '"x"', '{"id_token":3}']) assert.deepEqual(claimsParameterNames(bad), []);
});
