// The sign-in rules as small pure functions: which step comes next, and what the finished login
// says about how the person signed in (RFC 8176 amr values; acr aal1/aal2 as in NIST SP 800-63B).
import type { Role } from '../accounts/types.ts';
import { idTokenClaimRequest } from '../provider/claims.ts';

/** Factors a person can complete in one sign-in. `recovery` is a recovery code used instead of TOTP. */
export type Factor = 'pwd' | 'otp' | 'recovery';
export type Step = 'password' | 'totp' | 'enrol' | 'finish';

export interface StepInput {
  passwordDone: boolean;
  hasTotp: boolean;
  role: Role;
  requiredRoles: readonly Role[];
  secondFactorDone: boolean;
  /** The level the request needs (step-up, or a client that requires MFA). */
  requiredAcr?: 'aal1' | 'aal2' | undefined;
}

export function mustHaveTotp(role: Role, requiredRoles: readonly Role[]): boolean {
  return requiredRoles.includes(role);
}

/** The next step; a user who has TOTP always gives a code, a required role without TOTP must enrol. */
export function nextStep(s: StepInput): Step {
  if (!s.passwordDone) return 'password';
  if (s.secondFactorDone) return 'finish';
  if (s.hasTotp) return 'totp';
  // Without TOTP, a required role or an aal2 request goes through enrolment first.
  if (mustHaveTotp(s.role, s.requiredRoles) || s.requiredAcr === 'aal2') return 'enrol';
  return 'finish';
}

export interface LoginLevel { acr: 'aal1' | 'aal2'; amr: string[] }

/**
 * RFC 8176: `pwd` password, `otp` one-time password, `mfa` more than one factor. A recovery code is
 * a second factor (mfa) but not an OTP from the device, so it is not reported as `otp`.
 */
export function loginLevel(factors: readonly Factor[]): LoginLevel {
  const has = (f: Factor) => factors.includes(f);
  if (has('pwd') && has('otp')) return { acr: 'aal2', amr: ['pwd', 'otp', 'mfa'] };
  if (has('pwd') && has('recovery')) return { acr: 'aal2', amr: ['pwd', 'mfa'] };
  if (has('pwd')) return { acr: 'aal1', amr: ['pwd'] };
  throw new Error('a login needs the password factor');
}

/** Reasons (from oidc-provider's login prompt) that only ask to raise the level of a live session. */
const STEP_UP_ONLY = new Set(['acr_step_up']);

/**
 * True when the sign-in is a pure step-up: a session exists and nothing but the level is missing,
 * so the password from that session still counts and only the second factor is asked.
 * prompt=login, max_age, no session or a different requested subject all mean a full sign-in.
 */
export function isStepUpOnly(reasons: readonly string[], sessionAccountId: string | undefined): boolean {
  return sessionAccountId !== undefined && reasons.length > 0 && reasons.every((r) => STEP_UP_ONLY.has(r));
}

/** The `sub` of a JWT's payload, read without checking it; undefined when there is none. */
function subOf(jwt: unknown): string | undefined {
  if (typeof jwt !== 'string') return undefined;
  try {
    const sub: unknown = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')).sub;
    return typeof sub === 'string' ? sub : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The accounts an authorization request names: the `sub` of its id_token_hint (OIDC Core 3.1.2.1:
 * someone else signing in SHOULD get an error such as login_required) and the claims parameter's
 * `id_token.sub.value` (5.5.1: no tokens for another user). The provider checked the hint's
 * signature at the authorization endpoint; its own checks of both do not run again on the resume
 * after our pages, so the sign-in that finishes there must look.
 */
export function requestedSubjects(params: { id_token_hint?: unknown; claims?: unknown }): string[] {
  const sub = idTokenClaimRequest(params.claims, 'sub') as { value?: unknown } | null | undefined;
  const claimed = typeof sub === 'object' && sub !== null ? sub.value : undefined;
  return [subOf(params.id_token_hint), typeof claimed === 'string' ? claimed : undefined].filter((s): s is string => s !== undefined);
}
