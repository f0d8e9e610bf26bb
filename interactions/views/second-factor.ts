// The second-factor screens: the code prompt, enrolment (QR + manual key), recovery codes, continue.
import { alertBox, cancelForm, layout, noticeBox, type PageContext } from './layout.ts';
import { html, type SafeHtml } from './html.ts';

function codeField(page: PageContext, error: string | undefined, hint = true, focus = true): SafeHtml {
  const describedBy = [error ? 'form-error' : '', hint ? 'code-hint' : ''].filter(Boolean).join(' ');
  return html`<label for="code">${page.t('totp.code')}</label>
  <input id="code" name="code" type="text" class="code" inputmode="numeric" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" maxlength="32" required${focus ? html` autofocus` : ''}${describedBy ? html` aria-describedby="${describedBy}"` : ''}${error ? html` aria-invalid="true"` : ''}>`;
}

/** A recovery code's field: a text keypad (letters and a dash), no autofill of the app's one-time code. `invalid`: the error shown is about it. */
function recoveryCodeInput(page: PageContext, id: string, name: string, invalid = false): SafeHtml {
  return html`<label for="${id}">${page.t('totp.recovery.label')}</label>
  <input id="${id}" name="${name}" type="text" class="code" inputmode="text" autocomplete="off" autocapitalize="none" spellcheck="false" maxlength="32"${invalid ? html` aria-invalid="true" aria-describedby="form-error" autofocus` : ''}>`;
}

/**
 * A recovery code has letters and a dash: its own field, not the numeric keypad that phones show
 * for the app's code (inputmode=numeric offers digits only on iOS and Android).
 */
function recoveryCodeForm(page: PageContext, action: string, csrf: string, refused: boolean): SafeHtml {
  const { t } = page;
  // Open again after a refused recovery code, so the person sees where to type the next one.
  return html`<details class="recovery"${refused ? html` open` : ''}>
<summary>${t('totp.recovery.hint')}</summary>
<form method="post" action="${action}" class="stack" data-testid="recovery-form" novalidate>
  <input type="hidden" name="csrf" value="${csrf}">
  ${recoveryCodeInput(page, 'recovery-code', 'code', refused)}
  <button type="submit" class="secondary">${t('totp.recovery.submit')}</button>
</form>
</details>`;
}

/**
 * The account page's code beside the password (confirmation, password change): the app's code on
 * the numeric keypad or, folded away, a recovery code in a text field of its own (letters and a
 * dash, which the numeric keypad of a phone cannot type). The server takes whichever is filled.
 * `error`: the page shows an error about the password or the code, which a screen reader reads with the field.
 */
export function codeOrRecoveryFields(page: PageContext, error = false): SafeHtml {
  const { t } = page;
  return html`<label for="code">${t('totp.code')}</label>
  <input id="code" name="code" type="text" class="code" inputmode="numeric" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" maxlength="32"${error ? html` aria-describedby="form-error"` : ''}>
  <details class="recovery"><summary>${t('totp.recovery.hint')}</summary>
  ${recoveryCodeInput(page, 'recovery_code', 'recovery_code')}
  </details>`;
}

export interface TotpView {
  action: string; cancelAction: string; csrf: string; error?: string | undefined;
  /** The error is about a recovery code: its fold opens, and its field is the one marked. */
  recoveryRefused?: boolean | undefined;
}

export function totpPage(page: PageContext, v: TotpView): string {
  const { t } = page;
  return layout(page, t('totp.title'), html`
<p>${t('totp.intro', { brand: page.brand })}</p>
${alertBox(v.error)}
<form method="post" action="${v.action}" class="stack" novalidate>
  <input type="hidden" name="csrf" value="${v.csrf}">
  ${codeField(page, v.recoveryRefused ? undefined : v.error, false, !v.recoveryRefused)}
  <button type="submit" class="primary">${t('totp.submit')}</button>
</form>
${recoveryCodeForm(page, v.action, v.csrf, v.recoveryRefused === true)}
${cancelForm(page, v.cancelAction, v.csrf)}`);
}

export interface EnrolView {
  action: string; csrf: string; qrDataUrl: string; keyUri: string; secretForHumans: string; required: boolean; error?: string | undefined;
  /** During a sign-in: the abort route. */
  cancelAction?: string | undefined;
  /** On the account page: the overview, where the person goes back to without turning it on. */
  back?: string | undefined;
}

export function enrolPage(page: PageContext, v: EnrolView): string {
  const { t } = page;
  return layout(page, t('enrol.title'), html`
${v.required ? html`<p>${t('enrol.required')}</p>` : ''}
${alertBox(v.error)}
<ol class="steps">
  <li>${t('enrol.apps')}</li>
  <li>${t('enrol.scan', { brand: page.brand })}
    <img class="qr" data-testid="totp-qr" src="${v.qrDataUrl}" width="220" height="220" alt="${t('enrol.qr.alt', { brand: page.brand })}">
    <p><a class="open-app" data-testid="totp-open-app" href="${v.keyUri}">${t('enrol.openApp')}</a></p>
    <p id="manual-key-label">${t('enrol.manual')}</p>
    <p class="secret" id="totp-secret" data-testid="totp-secret">${v.secretForHumans}</p>
    <button type="button" class="secondary" data-copy="totp-secret" data-testid="copy-secret" hidden>${t('enrol.copy')}</button>
  </li>
  <li>${t('enrol.confirm')}</li>
</ol>
<p class="muted" id="code-hint">${t('enrol.clock')}</p>
<form method="post" action="${v.action}" class="stack" novalidate>
  <input type="hidden" name="csrf" value="${v.csrf}">
  ${codeField(page, v.error)}
  <button type="submit" class="primary">${t('enrol.submit')}</button>
</form>
${v.cancelAction ? cancelForm(page, v.cancelAction, v.csrf) : ''}
${v.back ? html`<p><a href="${v.back}">${t('account.back')}</a></p>` : ''}
<script src="${page.basePath}/assets/enrol.js" defer></script>`);
}

export interface ContinueView { action: string; csrf: string; recoveryCodes?: string[]; notice?: string | undefined }

/** New recovery codes with copy and print buttons: at sign-in and on the account page alike. */
export function recoveryCodesBlock(page: PageContext, codes: string[]): SafeHtml {
  const { t } = page;
  return html`<p>${t('recovery.intro')}</p>
<pre class="codes" id="recovery-codes" data-testid="recovery-codes">${codes.join('\n')}</pre>
<p class="muted">${t('recovery.print')}</p>
<div class="row"><button type="button" class="secondary" data-copy="recovery-codes" hidden>${t('recovery.copy')}</button>
<button type="button" class="secondary" data-print hidden>${t('recovery.printButton')}</button></div>
<script src="${page.basePath}/assets/enrol.js" defer></script>`;
}

/**
 * The page that shows new recovery codes has no language links: the codes are shown once, and a
 * link would load another page without them (the switcher is on every page before it).
 */
export function withoutLanguageLinks(page: PageContext): PageContext {
  return { ...page, languages: [] };
}

/** Shown after enrolment (with the new recovery codes, once) or after a recovery code was used. */
export function continuePage(page: PageContext, v: ContinueView): string {
  const { t } = page;
  const codes = v.recoveryCodes;
  return layout(codes ? withoutLanguageLinks(page) : page, codes ? t('recovery.title') : t('totp.title'), html`
${noticeBox(v.notice)}
${codes ? recoveryCodesBlock(page, codes) : ''}
<form method="post" action="${v.action}" class="stack">
  <input type="hidden" name="csrf" value="${v.csrf}">
  <button type="submit" class="primary">${codes ? t('recovery.continue') : t('common.continue')}</button>
</form>`);
}
