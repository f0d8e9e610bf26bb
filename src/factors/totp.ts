// TOTP (RFC 6238) as pure functions: secret generation, code matching with ±1 step, replay rule, key URI.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { generate, ScureBase32Plugin } from 'otplib';

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Spelled as the Key URI format wants it; authenticator apps mostly ignore anything but SHA1. */
export const TOTP_ALGORITHM = 'SHA1';
/** 160 bits: the HMAC-SHA-1 output size, as RFC 4226 §4 (R6) recommends. */
export const SECRET_BYTES = 20;

/** Steps either side of "now" that are accepted: RFC 6238 §5.2 advises at most one for network delay. */
const MAX_ACCEPT_WINDOW = 1;
/** How far we look (without accepting) to tell a person their phone clock is off: 10 steps = 5 minutes. */
const NEAR_SEARCH_STEPS = 10;
/** Anything longer than this is not a typed code; refuse before doing any work on it. */
export const TOTP_INPUT_MAX_LENGTH = 32;

const base32 = new ScureBase32Plugin();

export type TotpMatch =
  | { ok: true; step: number }
  | { ok: false; reason: 'malformed' | 'mismatch'; nearStep?: number };

/** A fresh shared secret, RFC 4648 base32 without padding (the form authenticator apps expect). */
export function generateTotpSecret(): string {
  return base32.encode(randomBytes(SECRET_BYTES), { padding: false });
}

/** The RFC 6238 §4.2 counter T = floor((unix seconds - T0) / X) with T0 = 0 and X = 30 s. */
export function timeStepAt(epochMs: number): number {
  return Math.floor(epochMs / 1000 / TOTP_PERIOD_SECONDS);
}

/** The code for one time step. otplib takes the time in seconds, so we hand it the step's first second. */
export async function totpAt(secretBase32: string, step: number): Promise<string> {
  return generate({
    secret: secretBase32,
    epoch: step * TOTP_PERIOD_SECONDS,
    period: TOTP_PERIOD_SECONDS,
    digits: TOTP_DIGITS,
    algorithm: 'sha1',
  });
}

/**
 * Strips whitespace and dashes (apps show "123 456", people type "123-456"); null unless exactly
 * six ASCII digits remain.
 */
export function normaliseTotpInput(input: string): string | null {
  if (input.length > TOTP_INPUT_MAX_LENGTH) return null;
  const code = input.replace(/[\s-]+/g, '');
  return /^[0-9]{6}$/.test(code) ? code : null;
}

/**
 * Checks a typed code against the steps around `nowMs`. Only the current step and ±`window` (0 or 1)
 * are accepted. On a mismatch, steps further out are checked only to report `nearStep` (an offset such
 * as -4) so the page can say the phone's clock is off; they are never accepted.
 * The caller must still apply `decideTotpStep` to the returned step (replay protection).
 */
export async function matchTotp(
  secretBase32: string,
  code: string,
  nowMs: number,
  opts: { window?: number } = {},
): Promise<TotpMatch> {
  const window = opts.window ?? MAX_ACCEPT_WINDOW;
  if (!Number.isInteger(window) || window < 0 || window > MAX_ACCEPT_WINDOW) {
    // A programming error, not a user error: widening acceptance must never be a silent option.
    throw new RangeError(`TOTP window must be 0 or ${MAX_ACCEPT_WINDOW}, got ${window}`);
  }
  const typed = normaliseTotpInput(code);
  if (typed === null) return { ok: false, reason: 'malformed' };

  const now = timeStepAt(nowMs);
  const accepted = await firstMatchingOffset(secretBase32, typed, now, acceptOffsets(window));
  if (accepted !== undefined) return { ok: true, step: now + accepted };

  const near = await firstMatchingOffset(secretBase32, typed, now, nearOffsets(window));
  return near === undefined ? { ok: false, reason: 'mismatch' } : { ok: false, reason: 'mismatch', nearStep: near };
}

/**
 * RFC 6238 §5.2: "the verifier MUST NOT accept the second attempt of the OTP after the successful
 * validation has been issued for the first OTP". Refusing every step at or below the last accepted
 * one also stops an older (still in-window) code from being used after a newer one.
 */
export function decideTotpStep(matchedStep: number, lastUsedStep: number | null): 'accept' | 'replay' {
  return lastUsedStep !== null && matchedStep <= lastUsedStep ? 'replay' : 'accept';
}

/**
 * otpauth:// URI for the enrolment QR code, per Google's Key URI format
 * (github.com/google/google-authenticator/wiki/Key-Uri-Format): the label is `issuer:account`, each
 * part percent-encoded with a literal colon between, and the issuer repeated as a parameter.
 * Neither part may contain a colon, even percent-encoded: apps decode the label and split it at the
 * first one, so "A: B" as issuer would show as issuer "A" and account " B:user".
 */
export function keyUri(args: { issuer: string; accountName: string; secretBase32: string }): string {
  const { issuer, secretBase32 } = args;
  if (issuer === '' || args.accountName === '') throw new RangeError('keyUri needs a non-empty issuer and account name');
  // The issuer is the configured display name, which config validation refuses with a colon: one
  // here is a programming error, and changing it silently would show another name than configured.
  if (issuer.includes(':')) throw new RangeError('keyUri: the issuer must not contain a colon (Key URI format)');
  const accountName = keyUriAccountName(args.accountName);
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(accountName)}`;
  const query = [
    `secret=${encodeURIComponent(secretBase32)}`,
    `issuer=${encodeURIComponent(issuer)}`,
    `algorithm=${TOTP_ALGORITHM}`,
    `digits=${TOTP_DIGITS}`,
    `period=${TOTP_PERIOD_SECONDS}`,
  ].join('&');
  return `otpauth://totp/${label}?${query}`;
}

/**
 * The account name as the app shows it, without colons. The CLI allows none in a username, but the
 * account store does not check, and refusing here would lock a forced-enrolment user out of signing
 * in: the label is only for display, so a look-alike '.' is enough.
 */
export function keyUriAccountName(username: string): string {
  return username.replaceAll(':', '.');
}

/** "ABCD EFGH …": easier to copy by hand when the QR code cannot be scanned. */
export function formatSecretForHumans(secret: string): string {
  return (secret.match(/.{1,4}/g) ?? []).join(' ');
}

/** 0, -1, +1 (for window 1): the current step first, as it is the likeliest. */
function acceptOffsets(window: number): number[] {
  return [0, ...symmetric(1, window)];
}

/** -2, +2, -3, +3 … ±10: nearest first, so the reported offset is the smallest that fits. */
function nearOffsets(window: number): number[] {
  return symmetric(window + 1, NEAR_SEARCH_STEPS);
}

function symmetric(from: number, to: number): number[] {
  const out: number[] = [];
  for (let d = from; d <= to; d++) out.push(-d, d);
  return out;
}

/**
 * Compares against every offset without stopping early and with timingSafeEqual, so the time taken
 * does not tell which step (or how many digits) matched.
 */
async function firstMatchingOffset(secret: string, typed: string, now: number, offsets: number[]): Promise<number | undefined> {
  const typedBytes = Buffer.from(typed, 'ascii');
  let found: number | undefined;
  for (const offset of offsets) {
    const step = now + offset;
    if (step < 0) continue; // only reachable with a clock near 1970; otplib refuses negative times
    const expected = Buffer.from(await totpAt(secret, step), 'ascii');
    if (timingSafeEqual(expected, typedBytes) && found === undefined) found = offset;
  }
  return found;
}
