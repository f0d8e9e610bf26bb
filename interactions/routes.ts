// The interaction routes: a small table of method + path → handler, and one error boundary that
// turns every failure into a page with a clear message and the right status, never a stack trace.
import { passwordFingerprint } from '../src/sign-in/state.ts';
import type { Context, Middleware, Next } from 'koa';
import { isIdpError } from '../src/errors.ts';
import { showConsent, submitAbort, submitConsent } from './consent.ts';
import type { InteractionDeps } from './deps.ts';
import { showEnrol, submitEnrol } from './enrol.ts';
import { stepFor } from './finish.ts';
import { pageContext, sendHtml } from './http.ts';
import { loadInteraction, stateExpiry, uiLocales } from './interaction.ts';
import { showLogin, submitLogin } from './login.ts';
import { showTotp, submitContinue, submitTotp } from './second-factor.ts';
import { csrfToken } from './csrf.ts';
import { errorPage } from './views/messages.ts';
import { isStepUpOnly } from '../src/sign-in/policy.ts';
import { continuePage } from './views/second-factor.ts';
import type { MessageKey } from './i18n/index.ts';

type Handler = (ctx: Context, deps: InteractionDeps, uid: string) => Promise<void>;

/** GET /interaction/:uid renders whatever step this sign-in is really at. */
async function showCurrentStep(ctx: Context, deps: InteractionDeps, uid: string): Promise<void> {
  const details = await loadInteraction(ctx, deps.provider, uid);
  if (details.prompt.name === 'consent') return showConsent(ctx, deps, details);
  // A pure step-up keeps the session's password and asks only for the second factor.
  const sessionAccount = details.session?.accountId;
  if (isStepUpOnly(details.prompt.reasons, sessionAccount) && sessionAccount && !(await deps.signInState.get(uid))) {
    // The session's password stands for this sign-in's; the account's present one is the one to keep.
    const account = await deps.accounts.findById(sessionAccount);
    if (account) await deps.signInState.passwordDone(uid, account, stateExpiry(deps.clock.now(), details), passwordFingerprint(account.passwordHash));
  }
  const { state, user } = await deps.signInState.getWithAccount(uid);
  const step = await stepFor(deps, details, state, user);
  if (step === 'totp') return showTotp(ctx, deps, details);
  if (step === 'enrol' && user) return showEnrol(ctx, deps, details, user, state?.pendingTotpSecret ?? null);
  if (step === 'finish') {
    const page = pageContext(ctx, deps.brand, deps.basePath, uiLocales(details));
    return sendHtml(ctx, 200, continuePage(page, { action: `${deps.basePath}/interaction/${uid}/continue`, csrf: csrfToken(deps.cookieKeys, uid) }));
  }
  return showLogin(ctx, deps, details);
}

const ROUTES: Array<{ method: 'GET' | 'POST'; step: string; handler: Handler }> = [
  { method: 'GET', step: '', handler: showCurrentStep },
  { method: 'POST', step: 'login', handler: submitLogin },
  { method: 'POST', step: 'totp', handler: submitTotp },
  { method: 'POST', step: 'enrol', handler: submitEnrol },
  { method: 'POST', step: 'continue', handler: submitContinue },
  { method: 'POST', step: 'consent', handler: submitConsent },
  { method: 'POST', step: 'abort', handler: submitAbort },
];

const UID = /^[A-Za-z0-9_-]{1,64}$/;

/** The methods a step's address answers to; none when there is no such step. */
export function allowedMethods(step: string): string[] {
  return ROUTES.filter((r) => r.step === step).map((r) => r.method);
}

const MESSAGE_FOR: Partial<Record<string, MessageKey>> = {
  interaction_expired: 'error.expired',
  // A sign-in refused because the account changed: its session, if any, may well live on (the
  // person's own "sign out everywhere else" kept it), so the page does not say it was signed out.
  signed_out: 'error.account_changed',
  csrf_failed: 'error.csrf',
  not_found: 'error.notfound',
  body_too_large: 'error.too_large',
};

export function interactionRoutes(deps: InteractionDeps): Middleware {
  const prefix = `${deps.basePath}/interaction/`;
  return async (ctx: Context, next: Next) => {
    if (!ctx.path.startsWith(prefix)) return next();
    const [uid = '', step = '', ...rest] = ctx.path.slice(prefix.length).split('/');
    const route = ROUTES.find((r) => r.method === ctx.method && r.step === step);
    const page = pageContext(ctx, deps.brand, deps.basePath);
    if (!UID.test(uid) || rest.length > 0 || !route) {
      const allowed = UID.test(uid) && rest.length === 0 ? allowedMethods(step) : [];
      // RFC 9110 §15.5.6: a 405 must say which methods the page does take.
      if (allowed.length > 0) ctx.set('Allow', allowed.join(', '));
      return sendHtml(ctx, allowed.length > 0 ? 405 : 404, errorPage(page, page.t('error.notfound')));
    }
    try {
      await route.handler(ctx, deps, uid);
    } catch (err) {
      if (isIdpError(err, 'wrong_step')) {
        // Back button or an out-of-order POST: show whatever step the interaction is really at.
        ctx.status = 303;
        return ctx.redirect(`${prefix}${uid}`);
      }
      if (isIdpError(err) && err.expose) {
        deps.logger.info('interaction request refused', { errorCode: err.code, path: ctx.path, ip: ctx.ip });
        return sendHtml(ctx, err.status, errorPage(page, page.t(MESSAGE_FOR[err.code] ?? 'error.body')));
      }
      throw err;
    }
  };
}
