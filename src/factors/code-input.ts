// What a person typed into a code field: a TOTP code, a recovery code, or neither. The shape alone
// tells a typo from a wrong code, with no lookup; a typo cannot match anything, so it gets its own
// message and is not counted as a guess by the throttle.
import { normaliseRecoveryCode, RECOVERY_INPUT_MAX_LENGTH } from './recovery-codes.ts';
import { normaliseTotpInput, TOTP_INPUT_MAX_LENGTH } from './totp.ts';

/** The longest input either normaliser reads (a recovery code with spaces and dashes); longer is malformed. */
export const CODE_INPUT_MAX_LENGTH = Math.max(TOTP_INPUT_MAX_LENGTH, RECOVERY_INPUT_MAX_LENGTH);

export type CodeInput =
  | { kind: 'totp'; code: string }
  | { kind: 'recovery'; code: string }
  | { kind: 'malformed' };

/** `recovery`: whether this field also takes recovery codes (the TOTP step does; enrolment does not). */
export function readCodeInput(input: string, opts: { recovery: boolean }): CodeInput {
  const totp = normaliseTotpInput(input);
  if (totp !== null) return { kind: 'totp', code: totp };
  // Six digits and ten symbols of the recovery alphabet never overlap, so the order does not matter.
  const recovery = opts.recovery ? normaliseRecoveryCode(input) : null;
  return recovery === null ? { kind: 'malformed' } : { kind: 'recovery', code: recovery };
}
