import { test } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveAcr, essentialAcrToReport, requiredAcr, satisfies, unmetEssentialAcr } from './assurance.ts';

test('any listed value is acceptable, so the lowest known one is required; the client floor raises it', () => {
  assert.equal(requiredAcr({ values: ['aal2'], clientFloor: [] }), 'aal2');
  assert.equal(requiredAcr({ values: ['aal1', 'aal2'], clientFloor: [] }), 'aal1');
  assert.equal(requiredAcr({ values: ['gold', 'aal2'], clientFloor: [] }), 'aal2');
  assert.equal(requiredAcr({ values: ['gold'], clientFloor: [] }), undefined);
  assert.equal(requiredAcr({ values: [], clientFloor: ['aal2'] }), 'aal2');
  assert.equal(requiredAcr({ values: ['aal1'], clientFloor: ['aal2'] }), 'aal2', 'an RP cannot lower its registered floor');
  assert.equal(requiredAcr({ values: [42, null], clientFloor: [] }), undefined);
});

test('an account whose role must use the second factor needs aal2 whatever the request or client says', () => {
  assert.equal(requiredAcr({ values: [], clientFloor: [], accountFloor: 'aal2' }), 'aal2');
  assert.equal(requiredAcr({ values: ['aal1'], clientFloor: ['aal1'], accountFloor: 'aal2' }), 'aal2');
  assert.equal(requiredAcr({ values: ['aal1'], clientFloor: [], accountFloor: undefined }), 'aal1');
});

test('an essential acr is unmet only when it lists values and none is a level we have', () => {
  assert.equal(unmetEssentialAcr(['aal3']), true);
  assert.equal(unmetEssentialAcr(['gold', 42]), true);
  assert.equal(unmetEssentialAcr(['aal3', 'aal2']), false);
  assert.equal(unmetEssentialAcr([]), false);
});

test('aal2 lasts aal2MaxAge after the sign-in, then counts as aal1', () => {
  assert.equal(effectiveAcr('aal2', 1000, 1000 + 3600, 3600), 'aal2');
  assert.equal(effectiveAcr('aal2', 1000, 1000 + 3601, 3600), 'aal1');
  assert.equal(effectiveAcr('aal1', 1000, 99999, 3600), 'aal1');
  assert.equal(effectiveAcr('weird', 1000, 1000, 3600), undefined);
});

test('higher satisfies lower; nothing satisfies a requirement without a level', () => {
  assert.equal(satisfies('aal2', 'aal1'), true);
  assert.equal(satisfies('aal1', 'aal2'), false);
  assert.equal(satisfies(undefined, 'aal1'), false);
  assert.equal(satisfies(undefined, undefined), true);
});

test('an essential acr request is answered with one of its values (OIDC Core 5.5.1.1)', () => {
  assert.equal(essentialAcrToReport('aal2', ['aal1']), 'aal1');
  assert.equal(essentialAcrToReport('aal2', ['aal1', 'aal2']), undefined, 'the session\'s own level is among them');
  assert.equal(essentialAcrToReport('aal1', ['aal2']), undefined, 'not met: the step-up check asks for the code');
  assert.equal(essentialAcrToReport('aal2', ['aal1', 'urn:other']), 'aal1');
  assert.equal(essentialAcrToReport(undefined, ['aal1']), undefined);
});
