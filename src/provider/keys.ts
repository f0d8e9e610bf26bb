// The rules of signing-key rotation, as pure functions of the stored keys and the time. A key is
// published before it signs (`next`), signs (`active`), then only verifies (`retired`) until
// everything it signed has expired, and finally leaves the JWKS (`expired`).
import { createHash, generateKeyPairSync } from 'node:crypto';
import type { JWK } from 'oidc-provider';
import { IdpError } from '../errors.ts';

export const SIGNING_ALGS = ['RS256', 'ES256'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

export type KeyState = 'next' | 'active' | 'retired' | 'expired';

/** When a key does what; epoch milliseconds. */
export interface KeyTimes {
  activatesAt: number;
  /** The next key of its alg activates then; null while no successor exists. */
  retiresAt: number | null;
  /** Dropped from the JWKS then; null while not retired. */
  removesAt: number | null;
}

export interface SigningKey extends KeyTimes {
  kid: string;
  alg: SigningAlg;
  /** 0 for an alg's first key, +1 per rotation. */
  generation: number;
  createdAt: number;
}

export interface SigningKeyWithSecret extends SigningKey {
  /** The private JWK, with kid, alg and use. */
  jwk: JWK;
}

export interface Jwks { keys: JWK[] }

export function isSigningAlg(value: string): value is SigningAlg {
  return (SIGNING_ALGS as readonly string[]).includes(value);
}

/**
 * RFC 7638 JWK thumbprint, hex-encoded: a kid derived from the public key alone. Hex, not the usual
 * base64url, so a kid never starts with '-' and reads as an option on the admin CLI (`keys remove`).
 */
function thumbprint(jwk: JWK): string {
  const members = jwk.kty === 'RSA' ? { e: jwk.e, kty: jwk.kty, n: jwk.n } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return createHash('sha256').update(JSON.stringify(members)).digest('hex');
}

/** A new private signing key for `alg`, with kid, alg and use set. */
export function generateSigningKey(alg: SigningAlg): JWK {
  const pair = alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = pair.privateKey.export({ format: 'jwk' }) as JWK;
  return { ...jwk, kid: thumbprint(jwk), alg, use: 'sig' };
}

/** One key per algorithm, RS256 first: the default ID token algorithm every relying party supports (OIDC Core 15.1). */
export function generateSigningKeys(): Jwks {
  return { keys: SIGNING_ALGS.map(generateSigningKey) };
}

export function keyState(key: KeyTimes, now: number): KeyState {
  if (now < key.activatesAt) return 'next';
  if (key.retiresAt === null || now < key.retiresAt) return 'active';
  if (key.removesAt === null || now < key.removesAt) return 'retired';
  return 'expired';
}

/**
 * How long a retired key stays published. ID tokens live `idTokenTtlSeconds`, but oidc-provider also
 * verifies an expired ID token used as id_token_hint at logout, and a relying app keeps that token for
 * as long as its session: so the longer of the two, plus an hour for clock skew and slow caches.
 */
export function retentionMs(idTokenTtlSeconds: number, sessionTtlSeconds: number): number {
  return (Math.max(idTokenTtlSeconds, sessionTtlSeconds) + 3600) * 1000;
}

const STATE_ORDER: Record<KeyState, number> = { active: 0, next: 1, retired: 2, expired: 3 };

/**
 * The JWKS oidc-provider is built with: every published key, active ones first (RS256 before ES256)
 * and the others marked key_ops ["verify"], which oidc-provider's key selection honours, so a
 * `next` or `retired` key can never sign. key_ops is then published too; RFC 7517 §4.3 allows it and
 * relying apps verify with such keys (oauth4webapi and jose check that "verify" is listed).
 */
export function effectiveJwks(keys: readonly SigningKeyWithSecret[], now: number): Jwks {
  const published = keys
    .map((key) => ({ key, state: keyState(key, now) }))
    .filter(({ state }) => state !== 'expired')
    .sort((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state]
      || SIGNING_ALGS.indexOf(a.key.alg) - SIGNING_ALGS.indexOf(b.key.alg)
      || b.key.generation - a.key.generation);
  if (!published.some(({ key, state }) => state === 'active' && key.alg === 'RS256')) {
    // OIDC Core 15.1: RS256 is the default ID token algorithm every relying app supports.
    throw new IdpError('internal', 'no active RS256 signing key', { expose: true });
  }
  return {
    keys: published.map(({ key, state }) => {
      const { key_ops: _ignored, ...jwk } = key.jwk;
      return state === 'active' ? { ...jwk, kid: key.kid, alg: key.alg, use: 'sig' } : { ...jwk, kid: key.kid, alg: key.alg, use: 'sig', key_ops: ['verify'] };
    }),
  };
}

/** Which keys sign and which only verify: equal fingerprints mean the same provider keystore. */
export function fingerprint(jwks: Jwks): string {
  return jwks.keys.map((k) => `${k.kid}:${k.key_ops === undefined ? 'sign' : 'verify'}`).join(',');
}

/** The next instant at which some key changes state, if any: the watcher wakes up then. */
export function nextTransition(keys: readonly KeyTimes[], now: number): number | undefined {
  const instants = keys.flatMap((k) => [k.activatesAt, k.retiresAt, k.removesAt]).filter((t): t is number => t !== null && t > now);
  return instants.length === 0 ? undefined : Math.min(...instants);
}

export interface RotationPlan {
  add: Array<{ alg: SigningAlg; generation: number; activatesAt: number }>;
  retire: Array<{ kid: string; retiresAt: number; removesAt: number }>;
}

/**
 * A rotation of `algs`: each gets a key of the next generation activating after `delayMs`, and its
 * active key retires at that moment, so exactly one key per alg signs at any time. Refused while a
 * key of that alg is still waiting to activate (its successor would retire it before it signed).
 */
export function planRotation(keys: readonly SigningKey[], algs: readonly SigningAlg[], now: number, delayMs: number, keepMs: number): RotationPlan {
  const plan: RotationPlan = { add: [], retire: [] };
  const activatesAt = now + delayMs;
  for (const alg of algs) {
    const ofAlg = keys.filter((k) => k.alg === alg);
    const waiting = ofAlg.find((k) => keyState(k, now) === 'next');
    if (waiting) throw new IdpError('conflict', `the ${alg} key ${waiting.kid} is already waiting to activate at ${new Date(waiting.activatesAt).toISOString()}; rotate ${alg} again after that`, { expose: true });
    const active = ofAlg.find((k) => keyState(k, now) === 'active');
    if (!active) throw new IdpError('conflict', `there is no active ${alg} key to rotate`, { expose: true });
    plan.add.push({ alg, generation: Math.max(...ofAlg.map((k) => k.generation)) + 1, activatesAt });
    plan.retire.push({ kid: active.kid, retiresAt: activatesAt, removesAt: activatesAt + keepMs });
  }
  return plan;
}
