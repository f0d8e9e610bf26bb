// argon2id password hashing with OWASP's parameters (19 MiB, t=2, p=1), and the check for hashes
// made with weaker parameters or another variant so they can be upgraded at the next sign-in.
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
    needsRehash: (hash) => isWeakerHash(hash, params),
  };
}

const ARGON2_VERSION = 0x13;

/**
 * True when a stored hash is weaker than `params`: another argon2 variant (argon2i and argon2d
 * verify too, but argon2.needsRehash ignores the variant), an older version, or less memory or
 * fewer passes. A stronger hash is kept: a sign-in never lowers what is stored. An unreadable
 * hash is not "weaker" (it cannot have verified).
 */
export function isWeakerHash(encoded: string, params: Argon2Params): boolean {
  // PHC string format; node-argon2 writes the parameters as m,p,t, the reference tool as m,t,p.
  const parts = /^\$(argon2(?:id|i|d))\$v=(\d+)\$([a-z]=\d+(?:,[a-z]=\d+)*)\$/.exec(encoded);
  if (!parts) return false;
  const [, variant, version, list = ''] = parts;
  const param = new Map(list.split(',').map((kv) => [kv.slice(0, 1), Number(kv.slice(2))] as const));
  const memory = param.get('m');
  const passes = param.get('t');
  if (memory === undefined || passes === undefined) return false;
  return variant !== 'argon2id' || Number(version) < ARGON2_VERSION || memory < params.memoryCost || passes < params.timeCost;
}
