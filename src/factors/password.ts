// The password factor: check the password of the account the caller found by username or e-mail
// (looked up once: the throttle needs its id before any password is tried). Unknown, disabled and
// wrong-password sign-ins cost one argon2 verify each and return the same answer, so neither the
// message nor the timing tells whether an account exists (ASVS 6.3.8).
import type { User } from '../accounts/types.ts';
import type { PasswordHasher } from '../security/password-hashing.ts';

export interface PasswordFactorDeps {
  hasher: PasswordHasher;
}

export type PasswordCheck =
  | { ok: true; user: User; needsRehash: boolean }
  | { ok: false; reason: 'unknown_user' | 'disabled' | 'wrong_password'; user: User | undefined };

export const PASSWORD_MAX_LENGTH = 1024;

export function createPasswordFactor(deps: PasswordFactorDeps) {
  let dummyHash: Promise<string> | undefined;
  // Hashed once, lazily, with the same parameters as real hashes so a verify costs the same.
  const dummy = () => (dummyHash ??= deps.hasher.hash(`dummy-${Math.random()}`));

  return {
    /** `user`: the account the login names, or undefined when it names none. */
    async check(user: User | undefined, password: string): Promise<PasswordCheck> {
      const hash = user && !user.disabled ? user.passwordHash : await dummy();
      const matches = await deps.hasher.verify(hash, password.slice(0, PASSWORD_MAX_LENGTH));
      if (!user) return { ok: false, reason: 'unknown_user', user };
      if (user.disabled) return { ok: false, reason: 'disabled', user };
      if (!matches) return { ok: false, reason: 'wrong_password', user };
      return { ok: true, user, needsRehash: deps.hasher.needsRehash(user.passwordHash) };
    },
  };
}

export type PasswordFactor = ReturnType<typeof createPasswordFactor>;
