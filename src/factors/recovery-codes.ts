// One-time recovery codes: generation, normalising what a person types, and the keyed hash we store.

import { createHmac, randomInt } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;
export const RECOVERY_CODE_LENGTH = 10;

/**
 * 31 symbols: digits and lower-case letters without 0/o, 1/i/l, which people misread when copying
 * from paper. 10 symbols give log2(31) * 10 ≈ 49.5 bits per code.
 */
export const RECOVERY_CODE_ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';

const GROUP = RECOVERY_CODE_LENGTH / 2;
const NORMALISED = new RegExp(`^[${RECOVERY_CODE_ALPHABET}]{${RECOVERY_CODE_LENGTH}}$`);
/** Anything longer than this is not a typed code; refuse before doing any work on it. */
export const RECOVERY_INPUT_MAX_LENGTH = 64;

/** Fresh codes in display form `xxxxx-xxxxx`; show them once, store only their hashes. */
export function generateRecoveryCodes(count: number = RECOVERY_CODE_COUNT): string[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`recovery code count must be a positive integer, got ${count}`);
  return Array.from({ length: count }, () => {
    const code = randomCode();
    return `${code.slice(0, GROUP)}-${code.slice(GROUP)}`;
  });
}

/**
 * The canonical form used for hashing: lower case, spaces and dashes removed. Null when what is left
 * is not ten symbols of the alphabet, so a typo is told apart from a wrong code without a lookup.
 */
export function normaliseRecoveryCode(input: string): string | null {
  if (input.length > RECOVERY_INPUT_MAX_LENGTH) return null;
  const code = input.replace(/[\s-]+/g, '').toLowerCase();
  return NORMALISED.test(code) ? code : null;
}

/**
 * HMAC-SHA256 (hex) of a normalised code under the server's data key.
 * A slow password hash is not needed here: unlike passwords, these codes are random with ~50 bits of
 * entropy, and the key (kept outside the database) means a stolen table cannot be brute-forced at
 * all. A deterministic keyed hash also lets the store find a code by its hash with one indexed query
 * instead of verifying against every stored hash. Online guessing is bounded by the throttle.
 */
export function hashRecoveryCode(normalised: string, pepperKey: Buffer): string {
  // Hashing a display form ("abcde-fghij") would store a value that never matches; refuse it.
  if (!NORMALISED.test(normalised)) throw new RangeError('hashRecoveryCode expects the output of normaliseRecoveryCode');
  // RFC 2104 §3: keys shorter than the hash output (32 bytes) weaken the HMAC.
  if (pepperKey.length < 32) throw new RangeError('recovery code key must be at least 32 bytes');
  return createHmac('sha256', pepperKey).update(normalised, 'ascii').digest('hex');
}

/** randomInt draws without modulo bias, which matters with an alphabet of 31. */
function randomCode(): string {
  let code = '';
  for (let i = 0; i < RECOVERY_CODE_LENGTH; i++) code += RECOVERY_CODE_ALPHABET.charAt(randomInt(RECOVERY_CODE_ALPHABET.length));
  return code;
}
