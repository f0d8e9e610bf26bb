// The signing keys a running instance uses, kept current without a restart: a watcher reloads them
// from the database every few seconds and at the next key transition, and tells its listeners (the
// app, which builds a new provider) when the set of signing and verifying keys changed.
import type { Knex } from 'knex';
import type { Secrets } from '../config/secrets.ts';
import type { Logger } from '../log.ts';
import type { Clock } from '../security/clock.ts';
import { effectiveJwks, fingerprint, nextTransition, type Jwks } from './keys.ts';
import { createSigningKeyStore } from './keys-store.ts';

export interface SigningKeyRing {
  /** 'environment': the JWKS variable, fixed for the life of the process. */
  readonly source: 'environment' | 'database';
  /** The JWKS (private keys) to build the provider with now. */
  jwks(): Jwks;
  /** Reloads the keys; true (and listeners told) when the signing or published keys changed. */
  refresh(): Promise<boolean>;
  /** When (clock ms) reloads began failing with no success since; undefined while they work (src/ops/key-freshness.ts). */
  reloadFailingSince(): number | undefined;
  onChange(listener: (jwks: Jwks) => void): void;
  /** Reloads every `refreshMs` and at the next activation or removal; stop() ends it. */
  start(refreshMs: number): void;
  stop(): void;
}

export interface KeyRingDeps {
  secrets: Secrets;
  db: Knex;
  clock: Clock;
  logger: Logger;
}

/** The JWKS variable's keys when set, else the database's (filled on first start). */
export async function openKeyRing(deps: KeyRingDeps): Promise<SigningKeyRing> {
  const { secrets, db, clock, logger } = deps;
  if (secrets.jwks !== undefined) return staticKeyRing(secrets.jwks);
  const store = createSigningKeyStore(db, clock, secrets.dataEncryptionKeys);
  const outcome = await store.ensure(secrets.seedJwks);
  if (outcome !== 'existing') logger.info(`signing keys ${outcome} into the database`, { from: outcome === 'imported' ? 'secrets.json' : 'new' });
  let keys = await store.loadPublished();
  let current = effectiveJwks(keys, clock.now());
  const listeners: Array<(jwks: Jwks) => void> = [];
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let inFlight: Promise<boolean> | undefined;
  let failingSince: number | undefined;

  const reload = async (): Promise<boolean> => {
    keys = await store.loadPublished();
    const next = effectiveJwks(keys, clock.now());
    if (fingerprint(next) === fingerprint(current)) return false;
    // Listeners first: when one fails (the provider could not be built), `current` stays as it was,
    // so the next reload sees the change again and retries instead of settling on keys nobody uses.
    for (const listener of listeners) listener(next);
    current = next;
    logger.info('signing keys changed', { kids: fingerprint(next) });
    return true;
  };
  // The first failure of a run is kept, so readiness can tell a blip from keys that stay stale.
  const tracked = () => reload().then(
    (changed) => { failingSince = undefined; return changed; },
    (err: unknown) => { failingSince ??= clock.now(); throw err; },
  );
  const refresh = () => (inFlight ??= tracked().finally(() => { inFlight = undefined; }));
  const schedule = (refreshMs: number) => {
    if (!running) return;
    const at = nextTransition(keys, clock.now());
    const wait = at === undefined ? refreshMs : Math.min(refreshMs, Math.max(at - clock.now(), 0) + 10);
    timer = setTimeout(() => {
      // A failed reload (database down, a key that no longer decrypts) keeps the keys in use.
      refresh().catch((err: unknown) => logger.error('signing keys could not be reloaded', { error: err instanceof Error ? err.message : String(err) }))
        .finally(() => schedule(refreshMs));
    }, wait);
    timer.unref();
  };
  return {
    source: 'database',
    jwks: () => current,
    refresh,
    reloadFailingSince: () => failingSince,
    onChange: (listener) => { listeners.push(listener); },
    start(refreshMs) {
      running = true;
      schedule(refreshMs);
    },
    stop() {
      running = false;
      clearTimeout(timer);
    },
  };
}

export function staticKeyRing(jwks: Jwks): SigningKeyRing {
  return {
    source: 'environment',
    jwks: () => jwks,
    refresh: async () => false,
    reloadFailingSince: () => undefined,
    onChange: () => undefined,
    start: () => undefined,
    stop: () => undefined,
  };
}
