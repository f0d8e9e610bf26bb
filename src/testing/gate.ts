// Holding one step of a request open at an exact point, so a test can run a change there (a
// sign-out, a password reset) and the order of the race it checks is certain, not left to timing.
import { createArgon2Hasher, type PasswordHasher } from '../security/password-hashing.ts';

/** A gate a wrapped function passes through: open unless a test has armed it for the next pass. */
export interface Gate {
  /** Arms the gate for the next pass: `reached` settles when a call gets there, which waits until `release`. */
  hold(): { reached: Promise<void>; release(): void };
  /** Where the wrapped function waits when the gate is armed (once: the gate opens again after). */
  pass(): Promise<void>;
}

export function createGate(): Gate {
  let armed: { reached: () => void; released: Promise<void> } | undefined;
  return {
    hold() {
      let reached: () => void = () => undefined;
      let release: () => void = () => undefined;
      const reachedP = new Promise<void>((r) => { reached = r; });
      armed = { reached, released: new Promise<void>((r) => { release = r; }) };
      return { reached: reachedP, release };
    },
    async pass() {
      const held = armed;
      armed = undefined;
      if (held) {
        held.reached();
        await held.released;
      }
    },
  };
}

/** argon2id, but a verify can be held (after it has compared) until the test lets it answer. */
export function gatedHasher(): { hasher: PasswordHasher; gate: Gate } {
  const real = createArgon2Hasher();
  const gate = createGate();
  return {
    gate,
    hasher: {
      hash: (p) => real.hash(p),
      needsRehash: (h) => real.needsRehash(h),
      async verify(hash, password) {
        const result = await real.verify(hash, password);
        await gate.pass();
        return result;
      },
    },
  };
}

/** The names of `T`'s methods that answer a promise. */
type AsyncMethodOf<T> = { [K in keyof T]: T[K] extends (...args: never[]) => Promise<unknown> ? K : never }[keyof T];

/**
 * Makes `target[method]` pass through `gate` just before it runs, or just after it has answered
 * (its work done, its answer not yet seen by the caller): the two points a race test holds a step at.
 */
export function gateMethod<T extends object>(target: T, method: AsyncMethodOf<T>, gate: Gate, when: 'before' | 'after'): void {
  const original = (target[method] as (...args: unknown[]) => Promise<unknown>).bind(target);
  const gated = async (...args: unknown[]): Promise<unknown> => {
    if (when === 'before') await gate.pass();
    const answer = await original(...args);
    if (when === 'after') await gate.pass();
    return answer;
  };
  Object.assign(target, { [method]: gated });
}

/** Runs `during` right after `adapter` has destroyed the row `id` (and before its caller goes on); answers how to undo that. */
export function duringDestroy(adapter: { destroy(id: string): Promise<void> }, id: string, during: () => Promise<void>): () => void {
  const destroy = adapter.destroy.bind(adapter);
  adapter.destroy = async (destroyed: string) => {
    await destroy(destroyed);
    if (destroyed === id) await during();
  };
  return () => { adapter.destroy = destroy; };
}
