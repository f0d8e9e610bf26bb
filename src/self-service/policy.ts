// Rules of the self-service account page, as small pure functions.
import type { Role } from '../accounts/types.ts';
import { mustHaveTotp } from '../sign-in/policy.ts';
import { isCommonPassword } from '../security/common-passwords.ts';
import { isWithinLimit } from '../factors/input-length.ts';
import { hasControlCharacter } from '../factors/password.ts';

/** A re-confirmation (password, and code when TOTP is on) is good for this long (ASVS 7.5.1). */
export const CONFIRMATION_WINDOW_MS = 5 * 60 * 1000;

export function isFreshlyConfirmed(confirmedAt: number | null, nowMs: number, windowMs = CONFIRMATION_WINDOW_MS): boolean {
  return confirmedAt !== null && nowMs >= confirmedAt && nowMs - confirmedAt <= windowMs;
}

/** Roles that must have TOTP can never turn it off themselves. */
export function mayDisableTotp(role: Role, requiredRoles: readonly Role[]): boolean {
  return !mustHaveTotp(role, requiredRoles);
}

export const NEW_PASSWORD_MIN = 8;
export const NEW_PASSWORD_MAX = 1024;

export type NewPasswordProblem = 'too_short' | 'too_long' | 'control_character' | 'mismatch' | 'same_as_current' | 'common';

/**
 * NIST SP 800-63B 3.1.1.2: length limits, no composition rules, not a commonly used password; and,
 * as the CLI's `--password-stdin`, no control character nobody could type at sign-in.
 */
export function checkNewPassword(next: string, repeat: string, current: string): NewPasswordProblem | undefined {
  if ([...next].length < NEW_PASSWORD_MIN) return 'too_short';
  if (!isWithinLimit(next, NEW_PASSWORD_MAX)) return 'too_long';
  if (hasControlCharacter(next)) return 'control_character';
  if (next !== repeat) return 'mismatch';
  if (next === current) return 'same_as_current';
  if (isCommonPassword(next)) return 'common';
  return undefined;
}
