// argon2id password hashing with OWASP's parameters (19 MiB, t=2, p=1), and the check for hashes
// made with weaker parameters so they can be upgraded at the next sign-in.
import argon2 from 'argon2';

export interface Argon2Params { memoryCost: number; timeCost: number; parallelism: number }

/** OWASP Password Storage Cheat Sheet, argon2id option 2. */
export const OWASP_ARGON2ID: Argon2Params = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  needsRehash(hash: string): boolean;
}

export function createArgon2Hasher(params: Argon2Params = OWASP_ARGON2ID): PasswordHasher {
  return {
    hash: (password) => argon2.hash(password, { type: argon2.argon2id, ...params }),
    async verify(hash, password) {
      try {
        return await argon2.verify(hash, password);
      } catch {
        // A malformed stored hash is a failed check, never a crash on the sign-in page.
        return false;
      }
    },
    needsRehash: (hash) => argon2.needsRehash(hash, { ...params }),
  };
}
