// Which failure counters an attempt touches. Accounts get NIST's limit (at most 100 consecutive
// failures); addresses get a looser budget, since many people can share one NAT address.
// A browser that already completed a sign-in for the account (device cookie) has its own budget,
// so an attacker guessing from many addresses cannot lock the real person out (OWASP "device cookies").
import { createHash } from 'node:crypto';
import { isAccountId } from '../accounts/types.ts';
import type { ThrottleBucket } from '../security/throttle.ts';
import { DEFAULT_THROTTLE_POLICY, throttleKey, type ThrottlePolicy } from '../security/throttle-policy.ts';

export const ACCOUNT_POLICY: ThrottlePolicy = DEFAULT_THROTTLE_POLICY;
export const ADDRESS_POLICY: ThrottlePolicy = { freeFailures: 20, baseDelayMs: 1000, maxDelayMs: 15 * 60_000, hardLimit: 1000, resetAfterMs: 60 * 60_000 };

/**
 * The account part of the key: the user id when the account exists, else a hash of the typed
 * name. Both behave the same from outside, so throttling does not reveal which names exist.
 */
export function accountSubject(userId: string | undefined, typedLogin: string): string {
  return userId ?? `name-${createHash('sha256').update(typedLogin.trim().toLowerCase()).digest('base64url').slice(0, 22)}`;
}

/**
 * A trusted browser's own password budget for one account. The account is part of the key so that
 * an administrator's unlock can clear it too (deviceKeysOf); the device id alone names no one.
 */
export function deviceKey(userId: string, deviceId: string): string {
  return `pwd:device:${userId}:${deviceId}`;
}

/** A LIKE pattern for every trusted browser's key of one account. */
export function deviceKeysOf(userId: string): string {
  if (!isAccountId(userId)) throw new Error('unexpected account id format');
  return `pwd:device:${userId}:%`;
}

export function passwordBuckets(subject: string, ip: string, trustedDeviceId?: string): ThrottleBucket[] {
  // trustedDeviceFor answers a device only for a known account, so the subject is its user id then.
  const account = trustedDeviceId ? deviceKey(subject, trustedDeviceId) : throttleKey('pwd', 'acct', subject);
  return [{ key: account, policy: ACCOUNT_POLICY }, { key: throttleKey('pwd', 'ip', ip), policy: ADDRESS_POLICY }];
}

export function secondFactorBuckets(userId: string, ip: string): ThrottleBucket[] {
  return [{ key: throttleKey('otp', 'acct', userId), policy: ACCOUNT_POLICY }, { key: throttleKey('otp', 'ip', ip), policy: ADDRESS_POLICY }];
}

/** Keys a successful sign-in clears: the account's, never the address's (or one valid account would reset it). */
export function keysResetOnSuccess(buckets: ThrottleBucket[]): string[] {
  return buckets.map((b) => b.key).filter((k) => !k.includes(':ip:'));
}

/**
 * The keys a success must actually delete: those of keysResetOnSuccess that the check before the
 * attempt found counted. Deleting a row that was not there is a wasted write; a failure counted by
 * a racing request after that check stays counted, which errs on the side of the limiter.
 */
export function keysToReset(buckets: ThrottleBucket[], counted: ReadonlySet<string>): string[] {
  return keysResetOnSuccess(buckets).filter((k) => counted.has(k));
}
