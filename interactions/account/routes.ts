// Routes of the self-service account page at /account. Every POST needs a provider session and a
// CSRF token bound to it; every change also needs a fresh confirmation (see actions.ts).
import type { Context, Middleware, Next } from 'koa';
import { ACCOUNT_PATH } from '../../src/provider/account-client.ts';
import { mayDisableTotp } from '../../src/self-service/policy.ts';
import { isIdpError } from '../../src/errors.ts';
import { csrfToken } from '../csrf.ts';
import { requireCsrf } from '../guards.ts';
import { pageContext, readForm, sendHtml } from '../http.ts';
import type { MessageKey } from '../i18n/index.ts';
import { errorPage } from '../views/messages.ts';
import { clientName } from '../interaction.ts';
import { changePassword, confirmEnrolment, disableTotp, enableTotp, regenerateRecoveryCodes, revokeApp, type ActionArgs } from './actions.ts';
import type { AccountDeps } from './deps.ts';
import { callbackMatches, currentSession, signInRedirect } from './session.ts';
import { accountMessagePage, overviewPage } from './views.ts';

const ACTIONS: Record<string, (a: ActionArgs) => Promise<void>> = {
  '/2fa/enable': enableTotp,
  '/2fa/enrol': confirmEnrolment,
  '/2fa/disable': disableTotp,
  '/recovery-codes': regenerateRecoveryCodes,
  '/password': changePassword,
  '/apps/revoke': revokeApp,
};

const NOTICES: Record<string, MessageKey> = {
  '2fa-disabled': 'account.2fa.disabled',
  'password-changed': 'account.password.changed',
  'app-revoked': 'account.apps.revoked',
  'password-changed-others-ended': 'account.password.changedOthersEnded',
  'enrol-expired': 'account.2fa.enrolExpired',
};

/** The page's message for a refused request; anything else gets the generic one. */
const ACCOUNT_MESSAGE_FOR: Partial<Record<string, MessageKey>> = { csrf_failed: 'error.csrf', body_too_large: 'error.too_large' };

const csrfBinding = (sessionId: string) => `account:${sessionId}`;

/** The method a path under /account answers to, or undefined when there is no such page. */
export function allowedMethod(sub: string): 'GET' | 'POST' | undefined {
  if (sub === '' || sub === '/' || sub === '/callback') return 'GET';
  return Object.hasOwn(ACTIONS, sub) ? 'POST' : undefined;
}

async function overview(ctx: Context, deps: AccountDeps, base: string): Promise<void> {
  const session = await currentSession(ctx, deps);
  const user = session ? await deps.accounts.findById(session.accountId) : undefined;
  const ui = typeof ctx.query.ui_locales === 'string' ? ctx.query.ui_locales : undefined;
  if (!session || !user || user.disabled) return signInRedirect(ctx, deps.issuer, base, ui);
  const page = pageContext(ctx, deps.brand, deps.basePath);
  // Own keys only: ?notice=constructor must not reach Object.prototype.
  const notice = typeof ctx.query.notice === 'string' && Object.hasOwn(NOTICES, ctx.query.notice) ? NOTICES[ctx.query.notice] : undefined;
  const totp = await deps.totp.has(user.id);
  const apps = await Promise.all((await deps.grants.list(user.id)).map(async (g) => ({ clientId: g.clientId, name: (await clientName(deps.provider, g.clientId)).name })));
  sendHtml(ctx, 200, overviewPage(page, {
    user, totp, recoveryCodesLeft: totp ? await deps.recoveryCodes.remaining(user.id) : 0, mayDisable: mayDisableTotp(user.role, deps.requiredRoles),
    csrf: csrfToken(deps.cookieKeys, csrfBinding(session.id)), base, signOutUrl: `${deps.issuer}/session/end`, apps, notice: notice ? page.t(notice, { brand: deps.brand }) : undefined,
  }));
}

async function callback(ctx: Context, deps: AccountDeps, base: string): Promise<void> {
  if (callbackMatches(ctx, base)) {
    ctx.status = 303;
    return ctx.redirect(base);
  }
  const page = pageContext(ctx, deps.brand, deps.basePath);
  sendHtml(ctx, 400, accountMessagePage(page, page.t('account.title'), { base, error: page.t('account.signin.failed') }));
}

async function action(ctx: Context, deps: AccountDeps, base: string, run: (a: ActionArgs) => Promise<void>): Promise<void> {
  const session = await currentSession(ctx, deps);
  const user = session ? await deps.accounts.findById(session.accountId) : undefined;
  if (!session || !user || user.disabled) {
    ctx.status = 303;
    return ctx.redirect(base);
  }
  const form = await readForm(ctx);
  requireCsrf(deps, csrfBinding(session.id), form);
  const page = pageContext(ctx, deps.brand, deps.basePath);
  await run({ ctx, deps, page, session, user, form, csrf: csrfToken(deps.cookieKeys, csrfBinding(session.id)), base });
}

export function accountRoutes(deps: AccountDeps): Middleware {
  const base = `${deps.basePath}${ACCOUNT_PATH}`;
  return async (ctx: Context, next: Next) => {
    if (ctx.path !== base && !ctx.path.startsWith(`${base}/`)) return next();
    const sub = ctx.path.slice(base.length);
    try {
      if (ctx.method === 'GET' && (sub === '' || sub === '/')) return await overview(ctx, deps, base);
      if (ctx.method === 'GET' && sub === '/callback') return await callback(ctx, deps, base);
      const run = Object.hasOwn(ACTIONS, sub) ? ACTIONS[sub] : undefined;
      if (ctx.method === 'POST' && run) return await action(ctx, deps, base, run);
      const page = pageContext(ctx, deps.brand, deps.basePath);
      const allowed = allowedMethod(sub);
      // RFC 9110 §15.5.6: a 405 must say which method the page does take.
      if (allowed) ctx.set('Allow', allowed);
      return sendHtml(ctx, allowed ? 405 : 404, errorPage(page, page.t('error.notfound')));
    } catch (err) {
      if (!isIdpError(err) || !err.expose) throw err;
      const page = pageContext(ctx, deps.brand, deps.basePath);
      deps.logger.info('account request refused', { errorCode: err.code, path: ctx.path, ip: ctx.ip });
      sendHtml(ctx, err.status, errorPage(page, page.t(ACCOUNT_MESSAGE_FOR[err.code] ?? 'error.body')));
    }
  };
}
