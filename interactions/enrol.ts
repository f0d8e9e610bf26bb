// TOTP enrolment inside a sign-in: forced for required roles. The pending secret stays server-side
// (encrypted, in the sign-in state) and becomes a credential only after a valid code; reloading
// the page shows the same secret until it expires.
import type { Context } from 'koa';
import QRCode from 'qrcode';
import type { User } from '../src/accounts/types.ts';
import { IdpError } from '../src/errors.ts';
import { formatSecretForHumans, generateTotpSecret, keyUri, matchTotp } from '../src/factors/totp.ts';
import { mustHaveTotp } from '../src/sign-in/policy.ts';
import { secondFactorBuckets } from '../src/sign-in/throttle-buckets.ts';
import { csrfToken } from './csrf.ts';
import type { InteractionDeps } from './deps.ts';
import { stepFor } from './finish.ts';
import { requireCsrf } from './guards.ts';
import { pageContext, readForm, sendHtml, throttledMessage } from './http.ts';
import { loadInteraction, uiLocales, type InteractionDetails } from './interaction.ts';
import { codeField } from './second-factor.ts';
import { continuePage, enrolPage } from './views/second-factor.ts';

/** The secret offered in this sign-in: the pending one, or a new one saved as pending. */
async function pendingSecret(deps: InteractionDeps, uid: string, user: User, existing: string | null): Promise<string> {
  if (existing) return existing;
  const secret = generateTotpSecret();
  await deps.signInState.setPendingTotp(uid, user.id, secret);
  return secret;
}

export async function showEnrol(ctx: Context, deps: InteractionDeps, details: InteractionDetails, user: User, pending: string | null, opts: { status?: number; error?: string } = {}): Promise<void> {
  const secret = await pendingSecret(deps, details.uid, user, pending);
  const uri = keyUri({ issuer: deps.brand, accountName: user.username, secretBase32: secret });
  const page = pageContext(ctx, deps.brand, deps.basePath, uiLocales(details));
  sendHtml(ctx, opts.status ?? 200, enrolPage(page, {
    action: `${deps.basePath}/interaction/${details.uid}/enrol`, cancelAction: `${deps.basePath}/interaction/${details.uid}/abort`,
    csrf: csrfToken(deps.cookieKeys, details.uid),
    qrDataUrl: await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 220 }), keyUri: uri,
    secretForHumans: formatSecretForHumans(secret), required: mustHaveTotp(user.role, deps.requiredRoles), error: opts.error,
  }));
}

export async function submitEnrol(ctx: Context, deps: InteractionDeps, uid: string): Promise<void> {
  const details = await loadInteraction(ctx, deps.provider, uid, 'login');
  const form = await readForm(ctx);
  requireCsrf(deps, uid, form);
  const { state, user } = await deps.signInState.getWithAccount(uid);
  if (!state || !user || (await stepFor(deps, details, state, user)) !== 'enrol') throw new IdpError('wrong_step', 'no enrolment pending');
  // An expired pending secret: show a fresh one rather than checking against nothing.
  if (!state.pendingTotpSecret) throw new IdpError('wrong_step', 'enrolment secret expired');
  const page = pageContext(ctx, deps.brand, deps.basePath, uiLocales(details));
  const clientId = String(details.params.client_id ?? '');
  const buckets = secondFactorBuckets(user.id, ctx.ip);
  const waitMs = await deps.throttle.retryAfter(buckets);
  if (waitMs > 0) {
    await deps.audit.record({ event: 'login.throttled', userId: user.id, username: user.username, ip: ctx.ip, clientId, detail: { step: 'enrol', retryAfterMs: waitMs } });
    return showEnrol(ctx, deps, details, user, state.pendingTotpSecret, { status: 429, error: throttledMessage(ctx, page.t, waitMs) });
  }
  const input = codeField(form, { recovery: false });
  if (input.kind !== 'totp') {
    // A typo, not a guess: not counted by the throttle, and the same secret is shown again.
    deps.logger.info('enrolment refused: not a code', { clientId, ip: ctx.ip });
    return showEnrol(ctx, deps, details, user, state.pendingTotpSecret, { status: 400, error: page.t('enrol.error.format') });
  }
  const match = await matchTotp(state.pendingTotpSecret, input.code, deps.clock.now());
  if (!match.ok) {
    await deps.throttle.fail(buckets);
    await deps.audit.record({ event: 'totp.failure', userId: user.id, username: user.username, ip: ctx.ip, clientId, detail: { reason: 'enrol_mismatch' } });
    return showEnrol(ctx, deps, details, user, state.pendingTotpSecret, { status: 401, error: page.t(match.nearStep === undefined ? 'totp.error.invalid' : 'totp.error.clock') });
  }
  // The proving code's step is stored as used, so the same code cannot sign in again.
  // Under the sign-out count the sign-in began under (progress an older instance stored during a
  // rolling upgrade has none: the count as read with the account here): a reset meanwhile leaves
  // no authenticator of the old password's holder.
  await deps.totp.enrol(user.id, state.pendingTotpSecret, match.step, state.signOutEpoch ?? user.signOutEpoch);
  const codes = await deps.recoveryCodes.regenerate(user.id);
  await deps.signInState.clearPendingTotp(uid, user.id);
  // Recorded before the factor is added: the enrolment has happened even if the sign-in has moved on
  // meanwhile and the factor is refused (addFactor is a compare-and-set).
  await deps.audit.record({ event: 'totp.enrolled', userId: user.id, username: user.username, ip: ctx.ip, clientId });
  await deps.signInState.addFactor(state, 'otp');
  sendHtml(ctx, 200, continuePage(page, { action: `${deps.basePath}/interaction/${uid}/continue`, csrf: csrfToken(deps.cookieKeys, uid), recoveryCodes: codes }));
}
