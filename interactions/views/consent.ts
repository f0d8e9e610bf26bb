// Consent for third-party apps: who asks, what they get, allow or deny.
import type { MessageKey } from '../i18n/index.ts';
import { layout, type PageContext } from './layout.ts';
import { html } from './html.ts';

export interface ConsentView { action: string; cancelAction: string; csrf: string; appName: string; appUri?: string | undefined; appLogo?: string | undefined; user: string; scopes: string[] }

const KNOWN_SCOPES = new Set(['openid', 'profile', 'email', 'roles', 'offline_access']);

export function consentPage(page: PageContext, v: ConsentView): string {
  const { t } = page;
  const items = v.scopes.filter((s) => KNOWN_SCOPES.has(s)).map((s) => html`<li>${t(`consent.scope.${s}` as MessageKey)}</li>`);
  return layout(page, t('consent.title'), html`
<p>${t('consent.intro', { app: v.appName, user: v.user })}</p>
${v.appLogo ? html`<img class="app-logo" src="${v.appLogo}" alt="" width="64" height="64">` : ''}
${v.appUri ? html`<p class="muted"><a href="${v.appUri}" rel="noopener noreferrer" target="_blank">${v.appUri}</a></p>` : ''}
<p>${t('consent.scopes')}</p>
<ul class="scopes">${items}</ul>
<form method="post" action="${v.action}" class="stack">
  <input type="hidden" name="csrf" value="${v.csrf}">
  <button type="submit" class="primary">${t('consent.allow')}</button>
</form>
<form method="post" action="${v.cancelAction}" class="secondary-form">
  <input type="hidden" name="csrf" value="${v.csrf}">
  <button type="submit" class="link">${t('consent.deny')}</button>
</form>`);
}
