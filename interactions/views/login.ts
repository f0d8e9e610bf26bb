// The password step: username (or e-mail) and password. After an error the focus goes to the
// password field (the name is kept), so a keyboard or screen-reader user retypes only that.
// No maxlength: a browser cuts a longer paste silently (counting UTF-16 units, not characters);
// the server refuses an over-long value whole and says so (interactions/login.ts).
import { alertBox, cancelForm, layout, type PageContext } from './layout.ts';
import { html, trusted } from './html.ts';

export interface LoginView { action: string; cancelAction: string; csrf: string; appName: string; username: string; error?: string | undefined }

export function loginPage(page: PageContext, v: LoginView): string {
  const { t } = page;
  const describedBy = v.error ? 'form-error' : undefined;
  return layout(page, t('login.title'), html`
<p>${t('login.intro', { app: v.appName })}</p>
${alertBox(v.error)}
<form method="post" action="${v.action}" class="stack" novalidate>
  <input type="hidden" name="csrf" value="${v.csrf}">
  <label for="username">${t('login.username')}</label>
  <input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${v.username}" aria-describedby="${describedBy}" ${v.error && v.username ? '' : trusted('autofocus')}>
  <label for="password">${t('login.password')}</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required aria-describedby="${describedBy}" ${v.error && v.username ? trusted('autofocus') : ''}>
  <button type="submit" class="primary">${t('login.submit')}</button>
</form>
${cancelForm(page, v.cancelAction, v.csrf)}`);
}
