// Simple pages: protocol errors, logout confirmation, signed out.
import { layout, type PageContext } from './layout.ts';
import { html, trusted } from './html.ts';

export function errorPage(page: PageContext, message: string, technical?: { error: string; description?: string | undefined }): string {
  const { t } = page;
  return layout(page, t('error.title'), html`
<p role="alert" class="alert">${message}</p>
${technical ? html`<details><summary>${t('error.technical')}</summary><p><code>${technical.error}</code>${technical.description ? html`: ${technical.description}` : ''}</p></details>` : ''}`);
}

/** The provider supplies `form` (its own action and xsrf field); our buttons submit it. `client`: the app that asked, when known. */
export function logoutPage(page: PageContext, providerForm: string, client?: string): string {
  const { t } = page;
  return layout(page, t('logout.title'), html`
<p>${t('logout.question', { brand: page.brand })}</p>
${client ? html`<p>${t('logout.asked_by', { app: client })}</p>` : ''}
${trusted(providerForm)}
<div class="stack">
  <button type="submit" class="primary" form="op.logoutForm" name="logout" value="yes">${t('logout.yes')}</button>
  <button type="submit" class="link" form="op.logoutForm">${t('logout.no')}</button>
</div>`);
}

/**
 * A logout from a browser with no session: nothing to ask, so the form goes on to the provider's
 * confirm step by itself (logout.js), as the provider's own page did; the button is for a browser
 * without scripts.
 */
export function signedOutAlreadyPage(page: PageContext, form: { action: string; xsrf: string }, client?: string): string {
  const { t } = page;
  return layout(page, t('logout.title'), html`
<p>${t('logout.none', { brand: page.brand })}</p>
${client ? html`<p>${t('logout.asked_by', { app: client })}</p>` : ''}
<form id="op.logoutForm" method="post" action="${form.action}" data-auto-submit>
  <input type="hidden" name="xsrf" value="${form.xsrf}">
  <input type="hidden" name="logout" value="yes">
  <button type="submit" class="primary">${t('common.continue')}</button>
</form>
<script src="${page.basePath}/assets/logout.js" defer></script>`);
}

/** `client`: the app this sign-out was for, when the person stayed signed in to the rest (the provider passes it only then). */
export function loggedOutPage(page: PageContext, client?: string): string {
  const { t } = page;
  return layout(page, t('logout.done.title'), html`<p>${client ? t('logout.done.app', { app: client, brand: page.brand }) : t('logout.done.body')}</p>`);
}
