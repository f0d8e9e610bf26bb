// The TOTP step for people who have it: a code from the app, or one of their recovery codes.
import type { Context } from 'koa';
import { CODE_INPUT_MAX_LENGTH, readCodeInput, type CodeInput } from '../src/factors/code-input.ts';
import { matchTotp } from '../src/factors/totp.ts';
import { IdpError } from '../src/errors.ts';
import { keysToReset, secondFactorBuckets } from '../src/sign-in/throttle-buckets.ts';
import type { User } from '../src/accounts/types.ts';
import type { AuditRecord } from '../src/audit/log.ts';
import type { TotpCredential } from '../src/factors/totp-credentials.ts';
import { csrfToken } from './csrf.ts';
import type { InteractionDeps } from './deps.ts';
import { continueSignIn, stepFor } from './finish.ts';
import { requireCsrf } from './guards.ts';
import { formFields, pageContext, readForm, sendHtml, throttledMessage } from './http.ts';
import { loadInteraction, uiLocales, type InteractionDetails } from './interaction.ts';
import { continuePage, totpPage } from './views/second-factor.ts';

export function showTotp(ctx: Context, deps: InteractionDeps, details: InteractionDetails, opts: { status?: number; error?: string; recoveryRefused?: boolean } = {}): void {
  const page = pageContext(ctx, deps.brand, deps.basePath, uiLocales(details));
  sendHtml(ctx, opts.status ?? 200, totpPage(page, { action: `${deps.basePath}/interaction/${details.uid}/totp`, cancelAction: `${deps.basePath}/interaction/${details.uid}/abort`, csrf: csrfToken(deps.cookieKeys, details.uid), error: opts.error, recoveryRefused: opts.recoveryRefused }));
}

export type Outcome = { ok: true; factor: 'otp' | 'recovery' } | { ok: false; reason: 'invalid' | 'reused' | 'clock' };
/** A code of the right shape: only these are checked, and only their failures are counted. */
export type WellFormedCode = Exclude<CodeInput, { kind: 'malformed' }>;

/** The code field, read whole: an over-long value is malformed like anything else that is not a code. */
export function codeField(form: URLSearchParams, opts: { recovery: boolean }): CodeInput {
  const fields = formFields(form, { code: CODE_INPUT_MAX_LENGTH });
  return fields.ok ? readCodeInput(fields.values.code, opts) : { kind: 'malformed' };
}

/**
 * The account page's forms (codeOrRecoveryFields): a recovery code when one was typed (the person
 * opened its fold on purpose, and the app's field may hold an autofilled or half-typed code),
 * else the app's code.
 */
export function codeOrRecoveryField(form: URLSearchParams): CodeInput {
  const recovery = form.get('recovery_code') ?? '';
  return recovery.trim() !== '' ? codeField(new URLSearchParams({ code: recovery }), { recovery: true }) : codeField(form, { recovery: true });
}

/** Checks a code against the user's TOTP credential, or their unused recovery codes. */
export async function checkSecondFactor(deps: InteractionDeps, user: User, input: WellFormedCode): Promise<Outcome> {
  if (input.kind === 'recovery') {
    return (await deps.recoveryCodes.consume(user.id, input.code)) ? { ok: true, factor: 'recovery' } : { ok: false, reason: 'invalid' };
  }
  return checkTotpCode(deps, await deps.totp.find(user.id), input.code);
}

/** Checks a TOTP code against the credential already read (undefined: the user has none). */
async function checkTotpCode(deps: InteractionDeps, credential: TotpCredential | undefined, input: string): Promise<Outcome> {
  if (!credential) return { ok: false, reason: 'invalid' };
  const match = await matchTotp(credential.secret, input, deps.clock.now());
  // A code from a few steps back is still refused (±1 step only), but the person is told why: their
  // phone's clock is slow. Not for a code from ahead: someone with the password alone would learn
  // that a guess is a code still to come, and could use it when its time comes (found by a review;
  // a guess then covered 21 steps instead of 3). Enrolment keeps the hint both ways: its secret is
  // the one just shown to whoever is enrolling.
  if (!match.ok) return { ok: false, reason: match.nearStep !== undefined && match.nearStep < 0 ? 'clock' : 'invalid' };
  // The atomic step update is the replay check: of two racing submissions only one advances it.
  return (await deps.totp.acceptStep(credential.id, match.step)) ? { ok: true, factor: 'otp' } : { ok: false, reason: 'reused' };
}

const TOTP_ERRORS = { invalid: 'totp.error.invalid', reused: 'totp.error.reused', clock: 'totp.error.clock' } as const;

export async function submitTotp(ctx: Context, deps: InteractionDeps, uid: string): Promise<void> {
  // Two independent reads side by side (each waits for a database round trip); the sign-in state is
  // only looked at after the interaction, the form and its CSRF token have passed, as before.
  const [loaded, progress] = await Promise.allSettled([loadInteraction(ctx, deps.provider, uid, 'login'), deps.signInState.getWithAccount(uid)]);
  if (loaded.status === 'rejected') throw loaded.reason;
  const details = loaded.value;
  const form = await readForm(ctx);
  requireCsrf(deps, uid, form);
  if (progress.status === 'rejected') throw progress.reason;
  const { state, user } = progress.value;
  if (!state || !user) throw new IdpError('wrong_step', 'no TOTP step pending');
  const buckets = secondFactorBuckets(user.id, ctx.ip);
  // One read: the credential decides whether this step is due and is what a code is checked against.
  const { credential, throttle } = await deps.totp.findWithThrottle(user.id, buckets);
  if ((await stepFor(deps, details, state, user, { hasTotp: credential !== undefined })) !== 'totp') throw new IdpError('wrong_step', 'no TOTP step pending');
  const { t } = pageContext(ctx, deps.brand, deps.basePath, uiLocales(details));
  const clientId = String(details.params.client_id ?? '');
  const { retryAfterMs: waitMs, counted } = throttle;
  if (waitMs > 0) {
    await deps.audit.record({ event: 'login.throttled', userId: user.id, username: user.username, ip: ctx.ip, clientId, detail: { step: 'totp', retryAfterMs: waitMs } });
    return showTotp(ctx, deps, details, { status: 429, error: throttledMessage(ctx, t, waitMs) });
  }
  const input = codeField(form, { recovery: true });
  if (input.kind === 'malformed') {
    // A typo, not a guess: it cannot match anything, so the throttle does not count it.
    deps.logger.info('TOTP step refused: not a code', { clientId, ip: ctx.ip });
    return showTotp(ctx, deps, details, { status: 400, error: t('totp.error.format') });
  }
  const outcome = input.kind === 'recovery' ? await checkSecondFactor(deps, user, input) : await checkTotpCode(deps, credential, input.code);
  if (!outcome.ok) {
    await deps.throttle.fail(buckets);
    await deps.audit.record({ event: 'totp.failure', userId: user.id, username: user.username, ip: ctx.ip, clientId, detail: { reason: outcome.reason } });
    return showTotp(ctx, deps, details, { status: 401, error: t(TOTP_ERRORS[outcome.reason]), recoveryRefused: input.kind === 'recovery' });
  }
  const reset = keysToReset(buckets, counted);
  if (reset.length > 0) await deps.throttle.reset(reset);
  if (outcome.factor === 'otp') {
    const records: AuditRecord[] = [{ event: 'totp.success', userId: user.id, username: user.username, ip: ctx.ip, clientId }];
    return continueSignIn(ctx, deps, details, { state, stored: true, user, factor: outcome.factor, records, save: () => deps.signInState.addFactor(state, outcome.factor) });
  }
  // The code is used up whatever happens next, so it is recorded before the factor is added (which
  // is refused if the sign-in has moved on meanwhile).
  const remaining = await deps.recoveryCodes.remaining(user.id);
  await deps.audit.record({ event: 'recovery_code.used', userId: user.id, username: user.username, ip: ctx.ip, clientId, detail: { remaining } });
  await deps.signInState.addFactor(state, outcome.factor);
  const page = pageContext(ctx, deps.brand, deps.basePath, uiLocales(details));
  sendHtml(ctx, 200, continuePage(page, { action: `${deps.basePath}/interaction/${uid}/continue`, csrf: csrfToken(deps.cookieKeys, uid), notice: t('totp.recovery.remaining', { count: remaining }) }));
}

/** The "continue" button after the recovery-codes page or the recovery-code notice. */
export async function submitContinue(ctx: Context, deps: InteractionDeps, uid: string): Promise<void> {
  const details = await loadInteraction(ctx, deps.provider, uid, 'login');
  requireCsrf(deps, uid, await readForm(ctx));
  return continueSignIn(ctx, deps, details);
}
