// Simple pages: protocol errors, logout confirmation, signed out.
import { layout, type PageContext } from './layout.ts';
import { html, trusted } from './html.ts';

export function errorPage(page: PageContext, message: string, technical?: { error: string; description?: string | undefined }): string {
  const { t } = page;
  return layout(page, t('error.title'), html`
<p role="alert" class="alert">${message}</p>
${technical ? html`<details><summary>${t('error.technical')}</summary><p><code>${technical.error}</code>${technical.description ? html`: ${technical.description}` : ''}</p></details>` : ''}`);
}

/** The provider supplies `form` (its own action and xsrf field); our buttons submit it. */
export function logoutPage(page: PageContext, providerForm: string): string {
  const { t } = page;
  return layout(page, t('logout.title'), html`
<p>${t('logout.question', { brand: page.brand })}</p>
${trusted(providerForm)}
<div class="stack">
  <button type="submit" class="primary" form="op.logoutForm" name="logout" value="yes">${t('logout.yes')}</button>
  <button type="submit" class="link" form="op.logoutForm">${t('logout.no')}</button>
</div>`);
}

export function loggedOutPage(page: PageContext): string {
  return layout(page, page.t('logout.done.title'), html`<p>${page.t('logout.done.body')}</p>`);
}
