// The account page's changes: turn TOTP on (enrolment) or off, new recovery codes, new password.
// Each reloads the account, checks CSRF (done by the router) and asks for a fresh confirmation.
import QRCode from 'qrcode';
import { formatSecretForHumans, generateTotpSecret, keyUri, matchTotp } from '../../src/factors/totp.ts';
import { checkNewPassword, mayDisableTotp, NEW_PASSWORD_MAX } from '../../src/self-service/policy.ts';
import { formFields, sendHtml } from '../http.ts';
import { codeField } from '../second-factor.ts';
import { enrolPage } from '../views/second-factor.ts';
import type { MessageKey } from '../i18n/index.ts';
import { ensureConfirmed, verifyFactors, type ConfirmArgs } from './confirm.ts';
import { accountMessagePage } from './views.ts';

export type ActionArgs = Omit<ConfirmArgs, 'action' | 'offerEndOthers'>;

/** Longer than any client_id we register; a form naming a longer one is refused, not cut. */
const CLIENT_ID_MAX_LENGTH = 200;

function done(a: ActionArgs, notice: string): void {
  a.ctx.status = 303;
  a.ctx.redirect(`${a.base}?notice=${notice}`);
}

async function maybeEndOthers(a: ActionArgs): Promise<number> {
  if (a.form.get('end_other_sessions') !== 'yes') return 0;
  const n = await a.deps.endOtherSessions(a.user.id, a.session);
  await a.deps.audit.record({ event: 'sessions.ended', userId: a.user.id, username: a.user.username, ip: a.ctx.ip, detail: { count: n } });
  return n;
}

async function showEnrolment(a: ActionArgs, secret: string, status = 200, error?: string): Promise<void> {
  const uri = keyUri({ issuer: a.deps.brand, accountName: a.user.username, secretBase32: secret });
  sendHtml(a.ctx, status, enrolPage(a.page, {
    action: `${a.base}/2fa/enrol`, csrf: a.csrf, qrDataUrl: await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 220 }), keyUri: uri,
    secretForHumans: formatSecretForHumans(secret), required: false, error, back: a.base,
  }));
}

export async function enableTotp(a: ActionArgs): Promise<void> {
  if (await a.deps.totp.has(a.user.id)) return done(a, 'none');
  if (!(await ensureConfirmed({ ...a, action: `${a.base}/2fa/enable`, offerEndOthers: false }))) return;
  const state = await a.deps.accountPage.get(a.session.id, a.user.id);
  const secret = state.pendingTotpSecret ?? generateTotpSecret();
  if (!state.pendingTotpSecret) await a.deps.accountPage.setPendingTotp(a.session.id, a.user.id, secret, a.session.expiresAtMs);
  return showEnrolment(a, secret);
}

export async function confirmEnrolment(a: ActionArgs): Promise<void> {
  const state = await a.deps.accountPage.get(a.session.id, a.user.id);
  if (await a.deps.totp.has(a.user.id)) return done(a, 'none');
  // The key shown has expired (or was never shown): say so, since the person's app now holds an entry that will never work.
  if (!state.pendingTotpSecret) return done(a, 'enrol-expired');
  const input = codeField(a.form, { recovery: false });
  if (input.kind !== 'totp') return showEnrolment(a, state.pendingTotpSecret, 400, a.page.t('enrol.error.format'));
  const match = await matchTotp(state.pendingTotpSecret, input.code, a.deps.clock.now());
  if (!match.ok) return showEnrolment(a, state.pendingTotpSecret, 401, a.page.t(match.nearStep === undefined ? 'totp.error.invalid' : 'totp.error.clock'));
  await a.deps.totp.enrol(a.user.id, state.pendingTotpSecret, match.step, a.user.signOutEpoch);
  const codes = await a.deps.recoveryCodes.regenerate(a.user.id);
  await a.deps.accountPage.clearPendingTotp(a.session.id);
  await a.deps.audit.record({ event: 'totp.enrolled', userId: a.user.id, username: a.user.username, ip: a.ctx.ip, detail: { via: 'account' } });
  sendHtml(a.ctx, 200, accountMessagePage(a.page, a.page.t('recovery.title'), { base: a.base, notice: a.page.t('account.2fa.enabled'), codes }));
}

export async function disableTotp(a: ActionArgs): Promise<void> {
  if (!mayDisableTotp(a.user.role, a.deps.requiredRoles)) {
    return sendHtml(a.ctx, 403, accountMessagePage(a.page, a.page.t('account.2fa.title'), { base: a.base, error: a.page.t('account.2fa.required') }));
  }
  if (!(await a.deps.totp.has(a.user.id))) return done(a, 'none');
  if (!(await ensureConfirmed({ ...a, action: `${a.base}/2fa/disable`, offerEndOthers: true }))) return;
  await a.deps.totp.remove(a.user.id);
  await a.deps.recoveryCodes.removeAll(a.user.id);
  await a.deps.audit.record({ event: 'totp.disabled', userId: a.user.id, username: a.user.username, ip: a.ctx.ip });
  await maybeEndOthers(a);
  return done(a, '2fa-disabled');
}

export async function regenerateRecoveryCodes(a: ActionArgs): Promise<void> {
  if (!(await a.deps.totp.has(a.user.id))) return done(a, 'none');
  if (!(await ensureConfirmed({ ...a, action: `${a.base}/recovery-codes`, offerEndOthers: false }))) return;
  const codes = await a.deps.recoveryCodes.regenerate(a.user.id);
  await a.deps.audit.record({ event: 'recovery_codes.regenerated', userId: a.user.id, username: a.user.username, ip: a.ctx.ip });
  sendHtml(a.ctx, 200, accountMessagePage(a.page, a.page.t('recovery.title'), { base: a.base, codes }));
}

/**
 * Always checks the current password (and code) in the same form: the change itself is the
 * confirmation. The new password's rules come first: they need no secret, and a refusal after the
 * check would have used up the person's code, so that they had to wait for the next one (review).
 */
export async function changePassword(a: ActionArgs): Promise<void> {
  const fail = (status: number, message: string) => sendHtml(a.ctx, status, accountMessagePage(a.page, a.page.t('account.password.title'), { base: a.base, error: message }));
  const fields = formFields(a.form, { new_password: NEW_PASSWORD_MAX, new_password_repeat: NEW_PASSWORD_MAX });
  if (!fields.ok) return fail(400, a.page.t('account.password.too_long'));
  const { new_password: next, new_password_repeat: repeat } = fields.values;
  // Compared with the current password as typed: it tells nothing about the stored one.
  const problem = checkNewPassword(next, repeat, a.form.get('password') ?? '');
  if (problem) return fail(400, a.page.t(`account.password.${problem}` as MessageKey));
  const hasTotp = await a.deps.totp.has(a.user.id);
  // Refusals answered as this page, not the confirm page: that one has no fields for the new password.
  const verified = await verifyFactors({ ...a, action: `${a.base}/password`, offerEndOthers: true }, hasTotp, fail);
  if (verified === 'answered') return;
  if (!verified) return fail(401, a.page.t('account.confirm.error'));
  await a.deps.accounts.setPasswordHash(a.user.id, await a.deps.hasher.hash(next));
  await a.deps.audit.record({ event: 'password.changed', userId: a.user.id, username: a.user.username, ip: a.ctx.ip, detail: { via: 'account' } });
  const ended = await maybeEndOthers(a);
  return done(a, ended > 0 ? 'password-changed-others-ended' : 'password-changed');
}

/** Revoking an app's access needs no re-confirmation: it only takes access away. */
export async function revokeApp(a: ActionArgs): Promise<void> {
  const fields = formFields(a.form, { client_id: CLIENT_ID_MAX_LENGTH });
  // Only a forged form sends a longer id; cut, it could name another app.
  if (!fields.ok) return sendHtml(a.ctx, 400, accountMessagePage(a.page, a.page.t('account.apps.title'), { base: a.base, error: a.page.t('error.body') }));
  const clientId = fields.values.client_id;
  if (await a.deps.grants.revoke(a.user.id, clientId)) {
    await a.deps.audit.record({ event: 'consent.revoked', userId: a.user.id, username: a.user.username, ip: a.ctx.ip, clientId });
  }
  return done(a, 'app-revoked');
}
