// The page frame shared by every screen: brand header, one card, language-aware <html>.
import type { Locale, Translate } from '../i18n/index.ts';
import { html, type SafeHtml } from './html.ts';

export interface PageContext {
  t: Translate;
  locale: Locale;
  brand: string;
  /** Path prefix for our assets (the issuer's path, usually empty). */
  basePath: string;
  /** The language switcher's links (nl · fr · en). */
  languages: Array<{ locale: Locale; name: string; href: string; current: boolean }>;
}

function languageSwitcher(page: PageContext): SafeHtml {
  if (page.languages.length === 0) return html``;
  return html`<nav class="languages" aria-label="${page.t('lang.switch')}"><ul>${page.languages.map((l) => l.current
    ? html`<li><span aria-current="true" lang="${l.locale}">${l.name}</span></li>`
    : html`<li><a href="${l.href}" lang="${l.locale}" hreflang="${l.locale}">${l.name}</a></li>`)}</ul></nav>`;
}

export function layout(page: PageContext, title: string, body: SafeHtml): string {
  return '<!doctype html>\n' + html`<html lang="${page.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · ${page.brand}</title>
<link rel="stylesheet" href="${page.basePath}/assets/style.css">
</head>
<body>
<header class="brand"><span class="brand-name">${page.brand}</span><span class="brand-tagline">${page.t('brand.tagline')}</span>${languageSwitcher(page)}</header>
<main class="card">
<h1>${title}</h1>
${body}
</main>
</body>
</html>`.toString();
}

/**
 * "Cancel" under a sign-in step: ends the interaction with access_denied back at the app (the
 * abort route). It is never a way past a step: the app gets an error, not a token.
 */
export function cancelForm(page: PageContext, action: string, csrf: string): SafeHtml {
  return html`<form method="post" action="${action}" class="secondary-form">
  <input type="hidden" name="csrf" value="${csrf}">
  <button type="submit" class="link" data-testid="cancel-sign-in">${page.t('common.cancel')}</button>
</form>`;
}

/** An error box that screen readers announce (role=alert); empty string when there is no error. */
export function alertBox(message: string | undefined, id = 'form-error'): SafeHtml {
  return message ? html`<p class="alert" role="alert" id="${id}">${message}</p>` : html``;
}

/** A notice that is not an error. */
export function noticeBox(message: string | undefined): SafeHtml {
  return message ? html`<p class="notice" role="status">${message}</p>` : html``;
}
