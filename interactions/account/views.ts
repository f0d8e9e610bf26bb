// Views of the self-service account page. Password fields have no maxlength: a browser would cut a
// longer paste silently; the server refuses it whole and says so (account/confirm.ts, actions.ts).
import type { User } from '../../src/accounts/types.ts';
import type { MessageKey } from '../i18n/index.ts';
import { alertBox, layout, noticeBox, type PageContext } from '../views/layout.ts';
import { html, type SafeHtml } from '../views/html.ts';
import { codeOrRecoveryFields, recoveryCodesBlock, withoutLanguageLinks } from '../views/second-factor.ts';

export interface OverviewView {
  user: User; totp: boolean; recoveryCodesLeft: number; mayDisable: boolean;
  csrf: string; base: string; signOutUrl: string; notice?: string | undefined; error?: string | undefined;
  /** Third-party apps the person allowed. */
  apps: Array<{ clientId: string; name: string }>;
}

function appsSection(page: PageContext, v: OverviewView): SafeHtml {
  const { t } = page;
  if (v.apps.length === 0) return html`<p class="muted">${t('account.apps.none')}</p>`;
  return html`<ul class="apps" data-testid="allowed-apps">${v.apps.map((app) => html`<li><span>${app.name}</span>
  <form method="post" action="${v.base}/apps/revoke" class="secondary-form">
    <input type="hidden" name="csrf" value="${v.csrf}"><input type="hidden" name="client_id" value="${app.clientId}">
    <button type="submit" class="link" data-testid="revoke-app">${t('account.apps.revoke')}</button>
  </form></li>`)}</ul>`;
}

function actionButton(action: string, csrf: string, label: string, testId: string, primary = false, extra: SafeHtml | '' = ''): SafeHtml {
  return html`<form method="post" action="${action}" class="secondary-form">
  <input type="hidden" name="csrf" value="${csrf}">
  ${extra}
  <button type="submit" class="${primary ? 'primary' : 'secondary'}" data-testid="${testId}">${label}</button>
</form>`;
}

/** `checked`: the person ticked it on the form that brought them here; a refusal must not untick it. */
function endOthersBox(t: PageContext['t'], checked = false): SafeHtml {
  return html`<label class="check"><input type="checkbox" name="end_other_sessions" value="yes"${checked ? html` checked` : ''}> ${t('account.endOthers')}</label>`;
}

export function overviewPage(page: PageContext, v: OverviewView): string {
  const { t } = page;
  const u = v.user;
  const twoFactor = v.totp
    ? html`<p>${t('account.2fa.status.on')}</p><p data-testid="recovery-codes-left">${t('account.recovery.left', { count: v.recoveryCodesLeft })}</p>
${actionButton(`${v.base}/recovery-codes`, v.csrf, t('account.recovery.regenerate'), 'regenerate-recovery-codes')}
${v.mayDisable ? actionButton(`${v.base}/2fa/disable`, v.csrf, t('account.2fa.disable'), 'disable-2fa', false, endOthersBox(t)) : html`<p class="notice" data-testid="2fa-required">${t('account.2fa.required')}</p>`}`
    : html`<p>${t('account.2fa.status.off')}</p>${actionButton(`${v.base}/2fa/enable`, v.csrf, t('account.2fa.enable'), 'enable-2fa', true)}`;
  return layout(page, t('account.title'), html`
${noticeBox(v.notice)}
${alertBox(v.error)}
<dl class="facts">
  <dt>${t('account.name')}</dt><dd data-testid="account-name">${u.name}</dd>
  <dt>${t('account.username')}</dt><dd data-testid="account-username">${u.username}</dd>
  <dt>${t('account.email')}</dt><dd>${u.email}</dd>
  <dt>${t('account.role')}</dt><dd>${t(`account.role.${u.role}` as MessageKey)}</dd>
</dl>
<h2>${t('account.2fa.title')}</h2>
<div data-testid="2fa-status" data-enabled="${v.totp ? 'true' : 'false'}">${twoFactor}</div>
<h2>${t('account.apps.title')}</h2>
${appsSection(page, v)}
<h2>${t('account.password.title')}</h2>
<form method="post" action="${v.base}/password" class="stack" novalidate>
  <input type="hidden" name="csrf" value="${v.csrf}">
  <label for="password">${t('account.password.current')}</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  ${v.totp ? codeOrRecoveryFields(page) : ''}
  <label for="new_password">${t('account.password.new')}</label>
  <input id="new_password" name="new_password" type="password" autocomplete="new-password" required minlength="8">
  <label for="new_password_repeat">${t('account.password.repeat')}</label>
  <input id="new_password_repeat" name="new_password_repeat" type="password" autocomplete="new-password" required minlength="8">
  ${endOthersBox(t)}
  <button type="submit" class="primary" data-testid="change-password">${t('account.password.submit')}</button>
</form>
<p><a href="${v.signOutUrl}">${t('account.signout')}</a></p>`);
}

export interface ConfirmView { action: string; csrf: string; withCode: boolean; offerEndOthers: boolean; endOthersChecked?: boolean; back: string; error?: string | undefined }

/**
 * Re-confirmation before a sensitive change; posts back to the action it protects. An error is
 * tied to the fields (aria-describedby), as on the sign-in page: focus lands on the password and a
 * screen reader reads why; not aria-invalid, since "password or code" does not say which was wrong.
 */
export function confirmPage(page: PageContext, v: ConfirmView): string {
  const { t } = page;
  return layout(page, t('account.confirm.title'), html`
<p>${v.withCode ? t('account.confirm.intro.code') : t('account.confirm.intro')}</p>
${alertBox(v.error)}
<form method="post" action="${v.action}" class="stack" novalidate>
  <input type="hidden" name="csrf" value="${v.csrf}">
  <label for="password">${t('login.password')}</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required autofocus${v.error ? html` aria-describedby="form-error"` : ''}>
  ${v.withCode ? codeOrRecoveryFields(page, v.error !== undefined) : ''}
  ${v.offerEndOthers ? endOthersBox(t, v.endOthersChecked) : ''}
  <button type="submit" class="primary">${t('account.confirm.submit')}</button>
</form>
<p><a href="${v.back}">${t('account.back')}</a></p>`);
}

export function accountMessagePage(page: PageContext, title: string, v: { base: string; notice?: string | undefined; error?: string | undefined; codes?: string[] }): string {
  const { t } = page;
  return layout(v.codes ? withoutLanguageLinks(page) : page, title, html`
${noticeBox(v.notice)}
${alertBox(v.error)}
${v.codes ? recoveryCodesBlock(page, v.codes) : ''}
<p><a href="${v.base}">${t('account.back')}</a></p>`);
}
