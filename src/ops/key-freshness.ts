// Whether an instance's signing keys may still be trusted by readiness. A failed reload keeps the
// keys in use (src/provider/keys-ring.ts); that is right for a moment, wrong for long: after a
// `keys rotate` an instance that cannot load the new set publishes a stale JWKS and signs with a key
// the other instances retire.

/** Reloads must have failed for longer than this many refresh intervals before readiness says so. */
const STALE_AFTER_INTERVALS = 2;

export interface KeyFreshness {
  /** The ring holds signing keys, and the cookie and data-encryption keys are set. */
  loaded: boolean;
  /** When reloads began failing with no success since (ms), undefined while they work. */
  failingSince: number | undefined;
  now: number;
  refreshMs: number;
}

/**
 * The readiness value of the keys: 'ok', 'missing', or 'stale: …'. Stale only after reloads kept
 * failing for more than two intervals: one database blip (a failover, a lock timeout) fails one
 * reload and must not take every instance out of the balancer; two more failed in a row by then.
 * An instance that cannot load a rotation notices at its next reload and leaves the balancer two
 * intervals later: 90 s after it with the 30 s default, before the new key signs (`keys rotate
 * --activate-after` is 5 minutes at least); with SIGNING_KEYS_REFRESH_SECONDS above 100 s that no
 * longer holds. Every instance failing alike would take them all out: `keys rotate` therefore
 * refuses to seal a key with data-encryption keys that do not open the stored ones (src/cli/keys.ts).
 */
export function keysReadiness(k: KeyFreshness): string {
  if (!k.loaded) return 'missing';
  if (k.failingSince === undefined || k.now - k.failingSince <= STALE_AFTER_INTERVALS * k.refreshMs) return 'ok';
  return `stale: reload failing since ${new Date(k.failingSince).toISOString()}`;
}
