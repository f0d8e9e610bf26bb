import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../config/load.ts';
import { IdpError } from '../errors.ts';
import { absoluteEndMs, lifetimeProblem, sessionTtlSeconds } from './session-lifetime.ts';

const LIFETIME = { sessionTtlSeconds: 86400, idleTimeoutSeconds: 3600 };
const SIGNED_IN = 1_800_000_000; // seconds, like the provider's loginTs
const at = (secondsAfterSignIn: number) => (SIGNED_IN + secondsAfterSignIn) * 1000;

test('every use keeps the session for the idle timeout', () => {
  assert.equal(sessionTtlSeconds(LIFETIME, SIGNED_IN, at(0)), 3600);
  assert.equal(sessionTtlSeconds(LIFETIME, SIGNED_IN, at(50_000)), 3600);
});

test('near the absolute end, only what is left of it: the session never outlives the sign-in by more than the TTL', () => {
  assert.equal(sessionTtlSeconds(LIFETIME, SIGNED_IN, at(86400 - 600)), 600);
  assert.equal(sessionTtlSeconds(LIFETIME, SIGNED_IN, at(86400 - 1.5)), 1);
  for (const after of [0, 1000, 40_000, 82_800, 86_000, 86_399]) {
    const expiresAtMs = at(after) + sessionTtlSeconds(LIFETIME, SIGNED_IN, at(after)) * 1000;
    assert.ok(expiresAtMs <= absoluteEndMs(LIFETIME, SIGNED_IN)! , `use at +${after} s keeps it past the absolute end`);
  }
});

test('never 0 or negative (the provider refuses that), even past the end', () => {
  assert.equal(sessionTtlSeconds(LIFETIME, SIGNED_IN, at(86400 - 0.2)), 1);
  assert.equal(sessionTtlSeconds(LIFETIME, SIGNED_IN, at(90_000)), 1);
});

test('a session nobody signed in to yet gets the idle timeout', () => {
  assert.equal(sessionTtlSeconds(LIFETIME, undefined, at(0)), 3600);
  assert.equal(absoluteEndMs(LIFETIME, undefined), undefined);
});

test('an idle timeout longer than the absolute lifetime is a configuration problem', () => {
  assert.equal(lifetimeProblem(LIFETIME), undefined);
  assert.equal(lifetimeProblem({ sessionTtlSeconds: 3600, idleTimeoutSeconds: 3600 }), undefined);
  assert.match(lifetimeProblem({ sessionTtlSeconds: 3600, idleTimeoutSeconds: 3601 }) ?? '', /SESSION_IDLE_TIMEOUT_SECONDS.*SESSION_TTL_SECONDS/);
});

test('config: defaults within NIST AAL2 (idle <= 1 h, absolute <= 24 h), env var read, bad values refused with a clear message', () => {
  const defaults = loadConfig({}).sessions;
  assert.ok(defaults.idleTimeoutSeconds <= 3600 && defaults.sessionTtlSeconds <= 86400, JSON.stringify(defaults));
  assert.equal(loadConfig({ SESSION_IDLE_TIMEOUT_SECONDS: '900' }).sessions.idleTimeoutSeconds, 900);
  const refused = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (err) {
      assert.ok(err instanceof IdpError && err.code === 'config_invalid');
      return err.message;
    }
    assert.fail(`accepted ${JSON.stringify(env)}`);
  };
  assert.match(refused({ SESSION_IDLE_TIMEOUT_SECONDS: '7200', SESSION_TTL_SECONDS: '3600' }), /SESSION_IDLE_TIMEOUT_SECONDS \(sessions\.idleTimeoutSeconds\): the idle timeout .* must not be longer than the absolute session lifetime/);
  assert.match(refused({ SESSION_IDLE_TIMEOUT_SECONDS: 'soon' }), /SESSION_IDLE_TIMEOUT_SECONDS: expected a whole number/);
  assert.match(refused({ SESSION_IDLE_TIMEOUT_SECONDS: '5' }), /sessions\.idleTimeoutSeconds/);
});
