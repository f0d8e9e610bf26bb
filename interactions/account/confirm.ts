// Re-confirmation before a sensitive change (ASVS 7.5.1): the password, and a second-factor code
// when the account has TOTP. Throttled like sign-in, so a stolen session cannot guess the password.
import { trustedDeviceFor } from '../device-cookie.ts';
import type { Context } from 'koa';
import type { User } from '../../src/accounts/types.ts';
import { isFreshlyConfirmed } from '../../src/self-service/policy.ts';
import { keysResetOnSuccess, passwordBuckets, secondFactorBuckets } from '../../src/sign-in/throttle-buckets.ts';
import { PASSWORD_MAX_LENGTH } from '../../src/factors/password.ts';
import { checkSecondFactor, codeOrRecoveryField } from '../second-factor.ts';
import { formFields, sendHtml, throttledMessage } from '../http.ts';
import type { PageContext } from '../views/layout.ts';
import type { AccountDeps } from './deps.ts';
import type { AccountSession } from './session.ts';
import { confirmPage } from './views.ts';

export interface ConfirmArgs {
  ctx: Context; deps: AccountDeps; page: PageContext; session: AccountSession; user: User; form: URLSearchParams; action: string; csrf: string; offerEndOthers: boolean;
  /** The account overview's path: where "back" goes. */
  base: string;
}

/** The person's "sign me out everywhere else" choice, carried onto the confirm page and through its refusals. */
const endOthersTicked = (form: URLSearchParams) => form.get('end_other_sessions') === 'yes';

/** True when the person is freshly confirmed (now or within the window); otherwise it has answered with the confirm page. */
export async function ensureConfirmed(a: ConfirmArgs): Promise<boolean> {
  const { ctx, deps, page, session, user, form } = a;
  const state = await deps.accountPage.get(session.id, user.id);
  if (isFreshlyConfirmed(state.confirmedAt, deps.clock.now())) return true;
  const hasTotp = await deps.totp.has(user.id);
  const show = (status: number, error?: string) => {
    sendHtml(ctx, status, confirmPage(page, { action: a.action, csrf: a.csrf, withCode: hasTotp, offerEndOthers: a.offerEndOthers, endOthersChecked: endOthersTicked(form), back: a.base, error }));
    return false;
  };
  if (!form.has('password')) return show(200);
  const ok = await verifyFactors(a, hasTotp);
  if (ok === 'answered') return false;
  if (!ok) return show(401, page.t('account.confirm.error'));
  await deps.accountPage.confirm(session.id, user.id, session.expiresAtMs);
  await deps.audit.record({ event: 'account.confirmed', userId: user.id, username: user.username, ip: ctx.ip });
  return true;
}

/** Sends the page for a refusal that `verifyFactors` answers itself. */
export type Refuse = (status: number, error: string) => void;

/**
 * Checks the password (and code) in the form. 'answered': it has sent the page itself, a 400 for an
 * over-long password or a malformed code (neither checked nor counted) or a 429 when throttled;
 * through `refuse` when given (a form with more fields than the confirm page, which would lose them),
 * else as the confirm page.
 */
export async function verifyFactors(a: Pick<ConfirmArgs, 'ctx' | 'deps' | 'page' | 'user' | 'form' | 'action' | 'csrf' | 'offerEndOthers' | 'base'>, hasTotp: boolean, refuse?: Refuse): Promise<boolean | 'answered'> {
  const { ctx, deps, user, form, page } = a;
  const answer = (status: number, error: string) => {
    if (refuse) refuse(status, error);
    else sendHtml(ctx, status, confirmPage(page, { action: a.action, csrf: a.csrf, withCode: hasTotp, offerEndOthers: a.offerEndOthers, endOthersChecked: endOthersTicked(form), back: a.base, error }));
    return 'answered' as const;
  };
  // Refused on the values alone, before any hash: an over-long password is never cut to one that matches.
  const fields = formFields(form, { password: PASSWORD_MAX_LENGTH });
  if (!fields.ok) return answer(400, page.t('account.confirm.tooLong', { max: PASSWORD_MAX_LENGTH }));
  const code = hasTotp ? codeOrRecoveryField(form) : undefined;
  if (code?.kind === 'malformed') return answer(400, page.t('totp.error.format'));
  // The browser's own budget when it signed in as this account before (device cookie), as at sign-in:
  // otherwise anyone who knows the username could fill the account's counter from outside and
  // block the person's password change, the very thing they would do under attack (review).
  const buckets = [...passwordBuckets(user.id, ctx.ip, trustedDeviceFor(ctx, user.id)), ...(hasTotp ? secondFactorBuckets(user.id, ctx.ip) : [])];
  const waitMs = await deps.throttle.retryAfter(buckets);
  if (waitMs > 0) {
    await deps.audit.record({ event: 'login.throttled', userId: user.id, username: user.username, ip: ctx.ip, detail: { step: 'account-confirm', retryAfterMs: waitMs } });
    return answer(429, throttledMessage(ctx, page.t, waitMs));
  }
  const passwordOk = await deps.hasher.verify(user.passwordHash, fields.values.password);
  const codeOk = code === undefined || (passwordOk && (await checkSecondFactor(deps, user, code)).ok);
  if (passwordOk && codeOk) {
    await deps.throttle.reset(keysResetOnSuccess(buckets));
    return true;
  }
  await deps.throttle.fail(buckets);
  await deps.audit.record({ event: 'account.confirm_failed', userId: user.id, username: user.username, ip: ctx.ip });
  return false;
}
