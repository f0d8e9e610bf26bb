// The password step: show the sign-in form, check the password, then finish the login (or, once
// TOTP exists, hand over to the second-factor step).
import type { Context } from 'koa';
import type { InteractionDeps } from './deps.ts';
import { csrfToken } from './csrf.ts';
import { field, pageContext, readForm, sendHtml } from './http.ts';
import { clientName, type InteractionDetails } from './interaction.ts';
import { loginPage } from './views/login.ts';
import { requireCsrf } from './guards.ts';
import { loadInteraction } from './interaction.ts';

export async function showLogin(ctx: Context, deps: InteractionDeps, details: InteractionDetails, opts: { status?: number; error?: string | undefined; username?: string } = {}): Promise<void> {
  const page = pageContext(ctx, deps.brand, deps.basePath, uiLocales(details));
  const app = await clientName(deps.provider, details.params.client_id);
  const base = `${deps.basePath}/interaction/${details.uid}`;
  sendHtml(ctx, opts.status ?? 200, loginPage(page, {
    action: `${base}/login`,
    cancelAction: `${base}/abort`,
    csrf: csrfToken(deps.cookieKeys, details.uid),
    appName: app.name,
    username: opts.username ?? '',
    error: opts.error === undefined ? undefined : opts.error,
  }));
}

export function uiLocales(details: InteractionDetails): string | undefined {
  const v = details.params.ui_locales;
  return typeof v === 'string' ? v : undefined;
}

export async function submitLogin(ctx: Context, deps: InteractionDeps, uid: string): Promise<void> {
  const details = await loadInteraction(ctx, deps.provider, uid, 'login');
  const form = await readForm(ctx);
  requireCsrf(deps, uid, form);
  const page = pageContext(ctx, deps.brand, deps.basePath, uiLocales(details));
  const login = field(form, 'username', 320).trim();
  const password = field(form, 'password', 1024);
  if (!login || !password) {
    return showLogin(ctx, deps, details, { status: 400, error: page.t('login.error.missing'), username: login });
  }
  const clientId = String(details.params.client_id ?? '');
  const result = await deps.password.check(login, password);
  if (!result.ok) {
    await deps.audit.record({ event: 'login.password.failure', userId: result.user?.id, username: result.user?.username, ip: ctx.ip, clientId, detail: { reason: result.reason } });
    deps.logger.info('password step failed', { reason: result.reason, clientId, ip: ctx.ip });
    return showLogin(ctx, deps, details, { status: 401, error: page.t('login.error.credentials'), username: login });
  }
  const user = result.user;
  if (result.needsRehash) await deps.accounts.setPasswordHash(user.id, await deps.hasher.hash(password));
  await deps.audit.record({ event: 'login.password.success', userId: user.id, username: user.username, ip: ctx.ip, clientId });
  await deps.audit.record({ event: 'login.success', userId: user.id, username: user.username, ip: ctx.ip, clientId, detail: { acr: 'aal1' } });
  await deps.provider.interactionFinished(ctx.req, ctx.res, {
    login: { accountId: user.id, acr: 'aal1', amr: ['pwd'], remember: true },
  }, { mergeWithLastSubmission: false });
  ctx.respond = false;
}
