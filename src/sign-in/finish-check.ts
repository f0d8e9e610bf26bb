// Whether a sign-in may still finish: its steps were checked against the account as it was; an
// operator's reset, a password change or a disable that lands meanwhile must not be outrun.
import type { User } from '../accounts/types.ts';
import { passwordFingerprint } from './state.ts';

/**
 * Why a sign-in was refused at its finish (the `reason` of its login.refused audit record).
 * `not_requested_account`: the app named another account (requestedSubjects in policy.ts).
 */
export type FinishRefusal = 'account_removed' | 'account_disabled' | 'password_changed' | 'signed_out' | 'not_requested_account';

/**
 * The reason this sign-in may not finish, or undefined when it may: the account as it is now
 * (`now`, read just before the result is saved) must exist, be enabled, still have the password
 * the password step was checked against (`began.passwordFingerprint`, passwordFingerprint of it)
 * and still be under the sign-out count the sign-in began under (`began.signOutEpoch`: every
 * sign-out of the account bumps it); and no sign-out may have marked the stored progress
 * meanwhile (`signedOut`). An operator's reset-2fa and the account page's "sign out everywhere
 * else" change nothing else a finishing TOTP step could see. A sign-in whose progress has no
 * fingerprint (stored before that column) starts again; one with no count (its password step ran
 * on an older instance during a rolling upgrade) is held to the count as it is now instead, as the
 * finish's save then is (finish.ts), so two-step sign-ins go on working while instances are
 * rolled. The account's own reason comes first.
 */
export function finishRefusal(now: User | undefined, began: { passwordFingerprint: string | null; signOutEpoch: number | null }, signedOut: boolean): FinishRefusal | undefined {
  if (now === undefined) return 'account_removed';
  if (now.disabled) return 'account_disabled';
  if (began.passwordFingerprint === null || passwordFingerprint(now.passwordHash) !== began.passwordFingerprint) return 'password_changed';
  if (signedOut || (began.signOutEpoch !== null && now.signOutEpoch !== began.signOutEpoch)) return 'signed_out';
  return undefined;
}
