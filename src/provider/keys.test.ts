import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdpError, isIdpError } from '../errors.ts';
import { loadConfig } from '../config/load.ts';
import { effectiveJwks, generateSigningKey, fingerprint, keyState, nextTransition, planRotation, retentionMs, type SigningAlg, type SigningKeyWithSecret } from './keys.ts';

const H = 3600_000;
const T = Date.UTC(2026, 10, 25, 12);

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'];

function key(kid: string, alg: SigningAlg, generation: number, activatesAt: number, retiresAt: number | null = null, removesAt: number | null = null): SigningKeyWithSecret {
  return { kid, alg, generation, createdAt: activatesAt, activatesAt, retiresAt, removesAt, jwk: { ...JWKS[alg], kid } };
}
const JWKS = { RS256: generateSigningKey('RS256'), ES256: generateSigningKey('ES256') };

test('a key is next before it activates, active until it retires, retired until removed, then expired', () => {
  const times = { activatesAt: T, retiresAt: T + 2 * H, removesAt: T + 5 * H };
  assert.equal(keyState(times, T - 1), 'next');
  assert.equal(keyState(times, T), 'active');
  assert.equal(keyState(times, T + 2 * H - 1), 'active');
  assert.equal(keyState(times, T + 2 * H), 'retired');
  assert.equal(keyState(times, T + 5 * H - 1), 'retired');
  assert.equal(keyState(times, T + 5 * H), 'expired');
  assert.equal(keyState({ activatesAt: T, retiresAt: null, removesAt: null }, T + 1000 * H), 'active', 'without a successor a key signs for ever');
});

test('a retired key stays published for the longer of the ID token and session lifetimes, plus an hour', () => {
  assert.equal(retentionMs(3600, 86400), (86400 + 3600) * 1000);
  assert.equal(retentionMs(7200, 600), (7200 + 3600) * 1000);
});

test('the JWKS puts the active keys first (RS256 first) and marks every other key verify-only', () => {
  const keys = [
    key('es-old', 'ES256', 0, T - 10 * H, T - H, T + 20 * H),
    key('rs-next', 'RS256', 2, T + H),
    key('rs-old', 'RS256', 0, T - 10 * H, T - 2 * H, T + 20 * H),
    key('es-now', 'ES256', 1, T - H),
    key('rs-now', 'RS256', 1, T - 2 * H, T + H, T + 30 * H),
    key('rs-gone', 'RS256', -1, T - 50 * H, T - 10 * H, T - H),
  ];
  const jwks = effectiveJwks(keys, T);
  assert.deepEqual(jwks.keys.map((k) => [k.kid, k.key_ops]), [
    ['rs-now', undefined], ['es-now', undefined], ['rs-next', ['verify']], ['rs-old', ['verify']], ['es-old', ['verify']],
  ]);
  assert.ok(jwks.keys.every((k) => k.use === 'sig' && typeof k.alg === 'string'));
  assert.equal(fingerprint(jwks), 'rs-now:sign,es-now:sign,rs-next:verify,rs-old:verify,es-old:verify');
  // An hour later rs-next takes over and rs-now only verifies: a different keystore.
  assert.equal(fingerprint(effectiveJwks(keys, T + H)), 'rs-next:sign,es-now:sign,rs-now:verify,rs-old:verify,es-old:verify');
});

test('a key_ops member stored with a key cannot make a non-active key sign', () => {
  const next = key('rs-next', 'RS256', 1, T + H);
  next.jwk = { ...next.jwk, key_ops: ['sign'] };
  const jwks = effectiveJwks([key('rs-now', 'RS256', 0, T - H, T + H, T + 9 * H), next], T);
  assert.deepEqual(jwks.keys.find((k) => k.kid === 'rs-next')?.key_ops, ['verify']);
});

test('without an active RS256 key no JWKS is built (RS256 is the OIDC default)', () => {
  assert.throws(() => effectiveJwks([key('es', 'ES256', 0, T - H), key('rs-next', 'RS256', 0, T + H)], T), /no active RS256/);
});

test('the watcher wakes at the next activation, retirement or removal still to come', () => {
  const keys = [key('a', 'RS256', 0, T - 10 * H, T + 2 * H, T + 9 * H), key('b', 'RS256', 1, T + 2 * H)];
  assert.equal(nextTransition(keys, T), T + 2 * H);
  assert.equal(nextTransition(keys, T + 2 * H), T + 9 * H);
  assert.equal(nextTransition(keys, T + 9 * H), undefined);
});

test('a rotation adds the next generation and retires the active key the moment it activates', () => {
  const keys = [key('rs', 'RS256', 0, T - H), key('es', 'ES256', 3, T - H)];
  const plan = planRotation(keys, ['RS256', 'ES256'], T, H, 25 * H);
  assert.deepEqual(plan.add, [{ alg: 'RS256', generation: 1, activatesAt: T + H }, { alg: 'ES256', generation: 4, activatesAt: T + H }]);
  assert.deepEqual(plan.retire, [{ kid: 'rs', retiresAt: T + H, removesAt: T + 26 * H }, { kid: 'es', retiresAt: T + H, removesAt: T + 26 * H }]);
});

test('a rotation is refused while a key of that alg still waits to activate, or when the alg has no key', () => {
  const keys = [key('rs', 'RS256', 0, T - H, T + H, T + 9 * H), key('rs-next', 'RS256', 1, T + H)];
  assert.throws(() => planRotation(keys, ['RS256'], T, H, H), (err) => isIdpError(err, 'conflict') && /rs-next is already waiting/.test(err.message));
  assert.throws(() => planRotation(keys, ['ES256'], T, H, H), (err) => isIdpError(err, 'conflict') && /no active ES256 key/.test(err.message));
  // Once it has activated, the next rotation is allowed and retires it.
  assert.equal(planRotation(keys, ['RS256'], T + H, H, H).retire[0]?.kid, 'rs-next');
});

test('generated keys are private P-256 / RSA keys with a hex RFC 7638 thumbprint kid (never starting with "-", which the CLI would take for an option)', () => {
  for (const alg of ['RS256', 'ES256'] as const) {
    const jwk = generateSigningKey(alg);
    assert.equal(jwk.alg, alg);
    assert.equal(jwk.use, 'sig');
    assert.match(String(jwk.kid), /^[0-9a-f]{64}$/);
    assert.equal(typeof jwk.d, 'string');
    assert.ok(PRIVATE_MEMBERS.some((m) => m in jwk));
  }
  assert.notEqual(generateSigningKey('RS256').kid, generateSigningKey('RS256').kid);
});

test('config: a key reload interval longer than 2 minutes is refused, so a new key reaches every instance within the 5-minute minimum delay', () => {
  assert.equal(loadConfig({ SIGNING_KEYS_REFRESH_SECONDS: '120' }).signingKeys.refreshSeconds, 120);
  assert.throws(() => loadConfig({ SIGNING_KEYS_REFRESH_SECONDS: '600' }), (err: unknown) => err instanceof IdpError && err.code === 'config_invalid' && /SIGNING_KEYS_REFRESH_SECONDS \(signingKeys\.refreshSeconds\): must be at most 120 s/.test(err.message));
});
