import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStepUpOnly, loginLevel, nextStep, requestedSubjects, type StepInput } from './policy.ts';

const base: StepInput = { passwordDone: true, hasTotp: false, role: 'customer', requiredRoles: ['installer'], secondFactorDone: false };

test('an installer without TOTP must enrol; with TOTP gives a code; never finishes on the password alone', () => {
  assert.equal(nextStep({ ...base, role: 'installer' }), 'enrol');
  assert.equal(nextStep({ ...base, role: 'installer', hasTotp: true }), 'totp');
  assert.equal(nextStep({ ...base, role: 'installer', passwordDone: false }), 'password');
  assert.equal(nextStep({ ...base, role: 'installer', secondFactorDone: true, hasTotp: true }), 'finish');
});

test('a customer without TOTP finishes after the password; with TOTP must give a code', () => {
  assert.equal(nextStep(base), 'finish');
  assert.equal(nextStep({ ...base, hasTotp: true }), 'totp');
  assert.equal(nextStep({ ...base, requiredRoles: ['installer', 'customer'] }), 'enrol');
});

test('amr and acr follow RFC 8176 and the assurance levels', () => {
  assert.deepEqual(loginLevel(['pwd']), { acr: 'aal1', amr: ['pwd'] });
  assert.deepEqual(loginLevel(['pwd', 'otp']), { acr: 'aal2', amr: ['pwd', 'otp', 'mfa'] });
  assert.deepEqual(loginLevel(['pwd', 'recovery']), { acr: 'aal2', amr: ['pwd', 'mfa'] });
  assert.throws(() => loginLevel(['otp']));
});

test('an aal2 request takes a customer without TOTP through enrolment, and one with TOTP to the code', () => {
  assert.equal(nextStep({ ...base, requiredAcr: 'aal2' }), 'enrol');
  assert.equal(nextStep({ ...base, requiredAcr: 'aal2', hasTotp: true }), 'totp');
  assert.equal(nextStep({ ...base, requiredAcr: 'aal1' }), 'finish');
});

test('only a live session missing nothing but the level skips the password', () => {
  assert.equal(isStepUpOnly(['acr_step_up'], 'u1'), true);
  assert.equal(isStepUpOnly(['acr_step_up'], undefined), false);
  assert.equal(isStepUpOnly(['acr_step_up', 'login_prompt'], 'u1'), false);
  assert.equal(isStepUpOnly(['max_age', 'acr_step_up'], 'u1'), false);
  assert.equal(isStepUpOnly(['no_session'], 'u1'), false);
  assert.equal(isStepUpOnly([], 'u1'), false);
});

test('the accounts a request names: the id_token_hint\'s sub and the claims parameter\'s sub value', () => {
  const hint = (payload: unknown) => `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;
  assert.deepEqual(requestedSubjects({}), []);
  assert.deepEqual(requestedSubjects({ id_token_hint: hint({ sub: 'u1' }) }), ['u1']);
  assert.deepEqual(requestedSubjects({ claims: JSON.stringify({ id_token: { sub: { value: 'u2' } } }) }), ['u2']);
  assert.deepEqual(requestedSubjects({ id_token_hint: hint({ sub: 'u1' }), claims: JSON.stringify({ id_token: { sub: { value: 'u2' } } }) }), ['u1', 'u2']);
  // Nothing named: no sub, a sub that is no string, a sub asked for without a value, malformed input.
  for (const params of [{ id_token_hint: hint({}) }, { id_token_hint: hint({ sub: 7 }) }, { id_token_hint: 'not-a-jwt' },
    { claims: JSON.stringify({ id_token: { sub: { essential: true } } }) }, { claims: '{not json' }, { claims: 'null' }]) {
    assert.deepEqual(requestedSubjects(params), [], JSON.stringify(params));
  }
});
