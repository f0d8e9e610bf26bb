// The password step: show the sign-in form, check throttling and the password, then continue with
// whatever the account needs next (TOTP, enrolment, or nothing).
import { passwordFingerprint } from '../src/sign-in/state.ts';
import type { Context } from 'koa';
import { LOGIN_MAX_LENGTH, PASSWORD_MAX_LENGTH } from '../src/factors/password.ts';
import { accountSubject, keysResetOnSuccess, passwordBuckets } from '../src/sign-in/throttle-buckets.ts';
import { csrfToken } from './csrf.ts';
import type { InteractionDeps } from './deps.ts';
import { trustedDeviceFor } from './device-cookie.ts';
import { continueSignIn } from './finish.ts';
import { requireCsrf } from './guards.ts';
import { formFields, pageContext, readForm, sendHtml, throttledMessage } from './http.ts';
import { clientName, loadInteraction, stateExpiry, uiLocales, type InteractionDetails } from './interaction.ts';
import { loginPage } from './views/login.ts';

export async function showLogin(ctx: Context, deps: InteractionDeps, details: InteractionDetails, opts: { status?: number; error?: string | undefined; username?: string } = {}): Promise<void> {
  const page = pageContext(ctx, deps.brand, deps.basePath, uiLocales(details));
  const app = await clientName(deps.provider, details.params.client_id);
  const base = `${deps.basePath}/interaction/${details.uid}`;
  sendHtml(ctx, opts.status ?? 200, loginPage(page, {
    action: `${base}/login`, cancelAction: `${base}/abort`, csrf: csrfToken(deps.cookieKeys, details.uid),
    appName: app.name, username: opts.username ?? '', error: opts.error,
  }));
}

export async function submitLogin(ctx: Context, deps: InteractionDeps, uid: string): Promise<void> {
  const details = await loadInteraction(ctx, deps.provider, uid, 'login');
  const form = await readForm(ctx);
  requireCsrf(deps, uid, form);
  const { t } = pageContext(ctx, deps.brand, deps.basePath, uiLocales(details));
  const clientId = String(details.params.client_id ?? '');
  const fields = formFields(form, { username: LOGIN_MAX_LENGTH, password: PASSWORD_MAX_LENGTH });
  if (!fields.ok) {
    // Refused on the value alone, before the lookup and the hash: the answer (and its timing)
    // cannot depend on the account, and nothing but the stored password can ever match.
    deps.logger.info('password step refused: field too long', { fields: fields.tooLong.join(','), clientId, ip: ctx.ip });
    return showLogin(ctx, deps, details, { status: 400, error: t('login.error.tooLong', { username: LOGIN_MAX_LENGTH, password: PASSWORD_MAX_LENGTH }) });
  }
  const login = fields.values.username.trim();
  const { password } = fields.values;
  if (!login || !password) return showLogin(ctx, deps, details, { status: 400, error: t('login.error.missing'), username: login });

  const known = await deps.accounts.findByLogin(login);
  const buckets = passwordBuckets(accountSubject(known?.id, login), ctx.ip, trustedDeviceFor(ctx, known?.id));
  const waitMs = await deps.throttle.retryAfter(buckets);
  if (waitMs > 0) {
    // Refused before the password is even checked, so a right guess during the wait teaches nothing.
    await deps.audit.record({ event: 'login.throttled', userId: known?.id, username: known?.username, ip: ctx.ip, clientId, detail: { step: 'password', retryAfterMs: waitMs } });
    return showLogin(ctx, deps, details, { status: 429, error: throttledMessage(ctx, t, waitMs), username: login });
  }
  const result = await deps.password.check(known, password);
  if (!result.ok) {
    await deps.throttle.fail(buckets);
    await deps.audit.record({ event: 'login.password.failure', userId: result.user?.id, username: result.user?.username, ip: ctx.ip, clientId, detail: { reason: result.reason } });
    deps.logger.info('password step failed', { reason: result.reason, clientId, ip: ctx.ip });
    return showLogin(ctx, deps, details, { status: 401, error: t('login.error.credentials'), username: login });
  }
  const user = result.user;
  await deps.throttle.reset(keysResetOnSuccess(buckets));
  // Upgraded only over the hash it was checked against: a reset that landed meanwhile keeps its
  // password (this sign-in is then refused at its finish: the stored password changed).
  const upgrade = result.needsRehash ? await deps.hasher.hash(password) : undefined;
  const rehashed = upgrade !== undefined && await deps.accounts.upgradePasswordHash(user.id, user.passwordHash, upgrade) ? upgrade : undefined;
  // The stored password this step was checked against: the sign-in finishes only while it is still
  // the account's (an operator's reset or a password change during this request ends it: finish.ts).
  const fingerprint = passwordFingerprint(rehashed ?? user.passwordHash);
  const now = deps.clock.now();
  // A fresh sign-in for this account (earlier progress is dropped), saved only if it goes on to
  // another step: a login that finishes here writes its audit records together (finish.ts). It
  // began under the sign-out count read with the password hash (src/provider/sign-out-guard.ts).
  return continueSignIn(ctx, deps, details, {
    state: { uid, accountId: user.id, passwordAt: now, passwordFingerprint: fingerprint, signOutEpoch: user.signOutEpoch, factors: [], pendingTotpSecret: null },
    stored: false, user, factor: 'pwd',
    records: [{ event: 'login.password.success', userId: user.id, username: user.username, ip: ctx.ip, clientId }],
    save: () => deps.signInState.passwordDone(uid, user, stateExpiry(now, details), fingerprint),
  });
}
