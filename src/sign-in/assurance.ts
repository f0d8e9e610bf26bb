// Authentication assurance levels (NIST SP 800-63B): what a request asks for, what a session has,
// and whether a step-up is needed. Higher satisfies lower: a session at aal2 satisfies aal1.

export const ACR_LEVELS = ['aal1', 'aal2'] as const;
export type Acr = (typeof ACR_LEVELS)[number];

const RANK: Record<Acr, number> = { aal1: 1, aal2: 2 };

function isAcr(v: unknown): v is Acr {
  return typeof v === 'string' && (ACR_LEVELS as readonly string[]).includes(v);
}

export interface AcrRequest {
  /** Values the request lists (acr_values, or the claims parameter's id_token.acr value/values). */
  values: readonly unknown[];
  /** The client's own floor (default_acr_values registered for the client), which a request cannot lower. */
  clientFloor: readonly unknown[];
  /** The account's floor: aal2 for a role that must use the second factor (MFA_REQUIRED_ROLES). */
  accountFloor?: Acr | undefined;
}

/**
 * The lowest level that satisfies the request: any one of the listed values is acceptable (OIDC
 * Core 3.1.2.1), so the easiest known one counts; unknown values are ignored. The client's and
 * the account's floors then raise it. undefined = no requirement.
 */
export function requiredAcr(r: AcrRequest): Acr | undefined {
  const requested = r.values.filter(isAcr).sort((a, b) => RANK[a] - RANK[b])[0];
  const floor = higher(r.clientFloor.filter(isAcr).sort((a, b) => RANK[a] - RANK[b])[0], r.accountFloor);
  return higher(requested, floor);
}

/** The stricter of two requirements (undefined: none). */
export function higher(a: Acr | undefined, b: Acr | undefined): Acr | undefined {
  if (!a) return b;
  if (!b) return a;
  return RANK[b] > RANK[a] ? b : a;
}

/**
 * True when an essential acr request lists values and none of them is a level we have: OIDC Core
 * 5.5.1.1 makes that a failed authentication. (A higher level satisfies a lower one, so any known
 * value can be met, by a step-up if need be.)
 */
export function unmetEssentialAcr(values: readonly unknown[]): boolean {
  return values.length > 0 && !values.some(isAcr);
}

/**
 * The level a session still has: aal2 only while its last full sign-in (auth_time) is within
 * `aal2MaxAgeSeconds`; after that it counts as aal1 and a step-up asks again.
 */
export function effectiveAcr(sessionAcr: unknown, authTimeSeconds: number | undefined, nowSeconds: number, aal2MaxAgeSeconds: number): Acr | undefined {
  if (!isAcr(sessionAcr) || authTimeSeconds === undefined) return undefined;
  if (sessionAcr === 'aal2' && nowSeconds - authTimeSeconds > aal2MaxAgeSeconds) return 'aal1';
  return sessionAcr;
}

/**
 * OIDC Core 5.5.1.1: a token answering an essential acr request MUST carry one of its values. A
 * session above every value asked for (aal2 for ["aal1"]) satisfies the request, and its token
 * says the highest value asked for that the session meets; undefined when the session's own level
 * is one of them (nothing to change) or none is met.
 */
export function essentialAcrToReport(session: Acr | undefined, values: readonly unknown[]): Acr | undefined {
  if (session === undefined || values.includes(session)) return undefined;
  return ACR_LEVELS.filter((level) => values.includes(level) && satisfies(session, level)).at(-1);
}

export function satisfies(have: Acr | undefined, need: Acr | undefined): boolean {
  if (!need) return true;
  return have !== undefined && RANK[have] >= RANK[need];
}
