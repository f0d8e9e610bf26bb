// After each completed factor: work out the next step, and finish the login exactly once, when
// every required factor is done, with amr/acr saying how the person signed in (STYLE habit 5).
import type { Context } from 'koa';
import type { User } from '../src/accounts/types.ts';
import type { AuditRecord } from '../src/audit/log.ts';
import { loginLevel, nextStep, requestedSubjects, type Factor, type Step } from '../src/sign-in/policy.ts';
import type { SignInState } from '../src/sign-in/state.ts';
import { finishRefusal, type FinishRefusal } from '../src/sign-in/finish-check.ts';
import { IdpError, isIdpError } from '../src/errors.ts';
import { SIGN_OUT_EPOCH } from '../src/provider/sign-out-guard.ts';
import type { InteractionDeps } from './deps.ts';
import { rememberDevice } from './device-cookie.ts';
import { finishInteraction, type InteractionDetails } from './interaction.ts';

/** The level this interaction must reach, as worked out by the provider's step-up check. */
export function requiredAcrOf(details: InteractionDetails): 'aal1' | 'aal2' | undefined {
  const v = (details.prompt.details as { requested_acr?: unknown }).requested_acr;
  return v === 'aal1' || v === 'aal2' ? v : undefined;
}

/** `known.hasTotp`: whether the user has a TOTP credential, when the caller has just read it (saves a query). */
export async function stepFor(deps: InteractionDeps, details: InteractionDetails, state: SignInState | undefined, user: User | undefined, known: { hasTotp?: boolean } = {}): Promise<Step> {
  if (!state?.accountId || !user || user.disabled || user.id !== state.accountId) return 'password';
  const passwordDone = state.factors.includes('pwd');
  const secondFactorDone = state.factors.includes('otp') || state.factors.includes('recovery');
  return nextStep({
    passwordDone,
    // nextStep reads hasTotp only between the two factors; elsewhere the query would be wasted.
    hasTotp: passwordDone && !secondFactorDone && (known.hasTotp ?? await deps.totp.has(user.id)),
    role: user.role,
    requiredRoles: deps.requiredRoles,
    secondFactorDone,
    requiredAcr: requiredAcrOf(details),
  });
}

/**
 * Why this sign-in may no longer finish (src/sign-in/finish-check.ts), or undefined. Asked just
 * before the result is saved: a password change, a disable, an operator's reset-2fa, a role
 * change or the account page's "sign out everywhere else" that landed before is seen here; one
 * that lands after it has moved the account's sign-out count on, and the save, which carries the
 * count the sign-in began under, writes nothing (src/provider/sign-out-guard.ts). `stored`:
 * whether `state` is stored progress, which a sign-out marks; when not (the password step), only
 * the account can tell. One statement; a refused one reads the account once more to name the reason.
 */
async function refusalNow(deps: InteractionDeps, state: SignInState, user: User, stored: boolean): Promise<{ refused: FinishRefusal | undefined; account: User | undefined }> {
  const decide = (account: User | undefined, signedOut: boolean) => ({ refused: finishRefusal(account, state, signedOut), account });
  if (!stored) return decide(await deps.accounts.findById(user.id), false);
  const progress = await deps.signInState.progressNow(state);
  if (progress.kind === 'kept') return decide(progress.user, false);
  // Gone (another request of this sign-in finished it) is no sign-out: the account alone decides.
  return decide(await deps.accounts.findById(user.id), progress.kind === 'signed_out');
}

/** The audit record of a sign-in that got this far and was refused: its factors passed, but it did not finish. */
function refusedRecord(ctx: Context, details: InteractionDetails, user: User, reason: FinishRefusal): AuditRecord {
  return { event: 'login.refused', userId: user.id, username: user.username, ip: ctx.ip, clientId: String(details.params.client_id ?? ''), detail: { reason } };
}

/**
 * A factor this request has just completed, with the progress it was checked against (not re-read),
 * and its audit records: written together with the outcome (login.success, or login.refused) in one
 * insert when the login finishes.
 * `save` stores the factor in the sign-in state; it runs only when the login goes on to another step.
 * `stored`: whether `state` was read from the store (false for the password step's fresh one).
 */
export interface JustDone { state: SignInState; stored: boolean; user: User; factor: Factor; records: AuditRecord[]; save(): Promise<void> }

/**
 * Finishes the login when nothing is left to do; otherwise sends the browser to the next step's page.
 * With `justDone`, the caller's progress is used as it stands and its factor is saved only when the
 * login does not finish here: a finished sign-in's state is deleted a moment later anyway.
 */
export async function continueSignIn(ctx: Context, deps: InteractionDeps, details: InteractionDetails, justDone?: JustDone): Promise<void> {
  const { state, user } = justDone
    ? { state: { ...justDone.state, factors: [...new Set([...justDone.state.factors, justDone.factor])] }, user: justDone.user }
    : await deps.signInState.getWithAccount(details.uid);
  // The app named another account (id_token_hint, claims sub): it hears login_required, not this
  // one's tokens, and as soon as the password says who this is, before a second factor is asked.
  if (user && requestedSubjects(details.params).some((sub) => sub !== user.id)) {
    await deps.audit.recordAll([...(justDone?.records ?? []), refusedRecord(ctx, details, user, 'not_requested_account')]);
    await deps.signInState.remove(details.uid);
    return finishInteraction(ctx, details, { error: 'login_required', error_description: 'the account signed in is not the one the app asked for' }, { merge: false });
  }
  const step = await stepFor(deps, details, state, user);
  if (step !== 'finish' || !state || !user) {
    if (justDone) {
      await deps.audit.recordAll(justDone.records);
      await justDone.save();
      // Saved first, then checked: a sign-out before this check is seen here, and one after it
      // marks the progress just saved (and moves the count the finish compares: refusalNow).
      const { refused } = await refusalNow(deps, justDone.state, justDone.user, false);
      if (refused) {
        await deps.signInState.remove(details.uid);
        await deps.audit.record(refusedRecord(ctx, details, justDone.user, refused));
        throw new IdpError('wrong_step', 'the account changed during this sign-in');
      }
    }
    ctx.status = 303;
    return ctx.redirect(`${deps.basePath}/interaction/${details.uid}`);
  }
  const level = loginLevel(state.factors);
  const success: AuditRecord = { event: 'login.success', userId: user.id, username: user.username, ip: ctx.ip, clientId: String(details.params.client_id ?? ''), detail: { acr: level.acr, amr: level.amr.join(' ') } };
  // The factor's own records (it passed either way) go with the outcome, in one insert: login.success
  // only for a login that finishes, and a finished login always has its records (a failed insert ends it).
  const records = justDone?.records ?? [];
  const { refused, account } = await refusalNow(deps, state, user, justDone?.stored ?? true);
  const refuse = async (reason: FinishRefusal): Promise<never> => {
    await deps.audit.recordAll([...records, refusedRecord(ctx, details, user, reason)]);
    await details.destroy();
    // A page that says why (the account changed), not the expired sign-in the interaction now is.
    throw new IdpError('signed_out', 'the account changed during this sign-in');
  };
  if (refused || !account) return refuse(refused ?? 'account_removed');
  // The count the sign-in began under; progress an older instance stored (a rolling upgrade) has
  // none, and is held to the count as this check read it.
  const epoch = state.signOutEpoch ?? account.signOutEpoch;
  try {
    await finishInteraction(ctx, details, {
      login: { accountId: user.id, acr: level.acr, amr: level.amr, remember: true, [SIGN_OUT_EPOCH]: epoch },
    }, {
      merge: false,
      after: async () => {
        await deps.audit.recordAll([...records, success]);
        // A known device is one that completed a sign-in (device-cookie.ts), not one that was refused.
        rememberDevice(ctx, user.id, deps.basePath);
      },
    });
  } catch (err) {
    // A sign-out landed between the check above and the save: nothing was saved.
    if (isIdpError(err, 'signed_out')) return refuse('signed_out');
    throw err;
  }
  // After the response: the login's result is saved, so this state decides nothing any more (at
  // most a reload of the step page before the browser resumes offers this browser "continue"), and
  // the provider destroys the interaction it is keyed by on resume. The delete is housekeeping and
  // waits for nobody; should it fail, the expiry cleanup removes the row.
  deps.signInState.remove(details.uid).catch((err: unknown) => {
    deps.logger.warn('sign-in state not removed; the expiry cleanup will', { error: err instanceof Error ? err : String(err) });
  });
}
