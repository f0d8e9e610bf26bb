// The password factor: check the password of the account the caller found by username or e-mail
// (looked up once: the throttle needs its id before any password is tried). Unknown, disabled and
// wrong-password sign-ins cost one argon2 verify each and return the same answer, so neither the
// message nor the timing tells whether an account exists (ASVS 6.3.8).
import type { User } from '../accounts/types.ts';
import type { PasswordHasher } from '../security/password-hashing.ts';
import { isWithinLimit } from './input-length.ts';

export interface PasswordFactorDeps {
  hasher: PasswordHasher;
}

export type PasswordCheck =
  | { ok: true; user: User; needsRehash: boolean }
  | { ok: false; reason: 'unknown_user' | 'disabled' | 'wrong_password'; user: User | undefined };

/** Characters; the CLI sets passwords up to this length, and the sign-in page refuses longer ones unread. */
export const PASSWORD_MAX_LENGTH = 1024;
/**
 * True when a new password holds a control character (Unicode category Cc: U+0000-U+001F and
 * U+007F-U+009F). None of them can be typed into the sign-in page's password field (a browser
 * strips line breaks from it, Tab moves to the next field), so the password would lock its owner
 * out; and NUL ends the string in C tools a password may pass through, where a cut value is
 * another password. Every other character stays allowed, emoji joiners and any script included
 * (NIST SP 800-63B §3.1.1.2: Unicode characters should be accepted). Only new passwords are
 * checked: a sign-in is still verified against whatever was stored before this rule.
 */
export function hasControlCharacter(password: string): boolean {
  return /\p{Cc}/u.test(password);
}

/** A username is at most 64 characters and an e-mail address at most 254 (RFC 5321 §4.5.3.1); 320 leaves room. */
export const LOGIN_MAX_LENGTH = 320;

export function createPasswordFactor(deps: PasswordFactorDeps) {
  let dummyHash: Promise<string> | undefined;
  // Hashed once, lazily, with the same parameters as real hashes so a verify costs the same.
  const dummy = () => (dummyHash ??= deps.hasher.hash(`dummy-${Math.random()}`));

  return {
    /** `user`: the account the login names, or undefined when it names none. */
    async check(user: User | undefined, password: string): Promise<PasswordCheck> {
      const hash = user && !user.disabled ? user.passwordHash : await dummy();
      // Never cut: a prefix of the submitted value is another password. The page refuses an
      // over-long one before calling us; here it still costs one verify, then fails whatever it is.
      const matches = (await deps.hasher.verify(hash, password)) && isWithinLimit(password, PASSWORD_MAX_LENGTH);
      if (!user) return { ok: false, reason: 'unknown_user', user };
      if (user.disabled) return { ok: false, reason: 'disabled', user };
      if (!matches) return { ok: false, reason: 'wrong_password', user };
      return { ok: true, user, needsRehash: deps.hasher.needsRehash(user.passwordHash) };
    },
  };
}

export type PasswordFactor = ReturnType<typeof createPasswordFactor>;
