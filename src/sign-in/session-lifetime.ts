// How long a signed-in session may live from now: an idle window that every use restarts, never
// past an absolute lifetime counted from the last sign-in (NIST SP 800-63B-4 §2.2.3, AAL2:
// inactivity at most 1 h, overall at most 24 h; ASVS 7.3.1 / 7.3.2). The provider calls this on
// every save of a session (its `ttl.Session`), the account page on every visit.

export interface SessionLifetime {
  /** Absolute lifetime from the sign-in (SESSION_TTL_SECONDS). */
  sessionTtlSeconds: number;
  /** How long a session may go unused (SESSION_IDLE_TIMEOUT_SECONDS). */
  idleTimeoutSeconds: number;
}

/** When the session must end whatever its use, in ms; undefined before anyone signed in. */
export function absoluteEndMs(lifetime: SessionLifetime, signedInAtSeconds: number | undefined): number | undefined {
  return signedInAtSeconds === undefined ? undefined : (signedInAtSeconds + lifetime.sessionTtlSeconds) * 1000;
}

/**
 * Seconds to keep the session from `nowMs`: the idle timeout, cut to what is left of the absolute
 * lifetime. A session nobody signed in to (it only carries an interaction) gets the idle timeout.
 * Never below 1: the provider refuses a ttl of 0. The absolute end itself is enforced where
 * sessions are read (the adapter's `sessionEndsAt`): re-saved with 1 s in its last second, a
 * session would otherwise live on one second at a time.
 */
export function sessionTtlSeconds(lifetime: SessionLifetime, signedInAtSeconds: number | undefined, nowMs: number): number {
  const end = absoluteEndMs(lifetime, signedInAtSeconds);
  const left = end === undefined ? Infinity : Math.floor((end - nowMs) / 1000);
  return Math.max(1, Math.min(lifetime.idleTimeoutSeconds, left));
}

/** A configuration problem, or undefined: an idle timeout longer than the whole session means nothing. */
export function lifetimeProblem(lifetime: SessionLifetime): string | undefined {
  if (lifetime.idleTimeoutSeconds <= lifetime.sessionTtlSeconds) return undefined;
  return `the idle timeout (SESSION_IDLE_TIMEOUT_SECONDS, ${lifetime.idleTimeoutSeconds} s) must not be longer than the absolute session lifetime (SESSION_TTL_SECONDS, ${lifetime.sessionTtlSeconds} s)`;
}
