// The demo app's pages: home (signed out, or the ID token's claims) and a readable error page.
import { html, type Html } from './html.ts';
import type { SignedIn } from './sessions.ts';

export const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
h1{font-size:1.4rem}table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #ccd;padding:.3rem .6rem;text-align:left;vertical-align:top}
pre{background:#f4f5f7;padding:.8rem;overflow:auto}.actions{display:flex;gap:.6rem;flex-wrap:wrap}.actions form{margin:0}
button{font:inherit;padding:.4rem .9rem;cursor:pointer}.error{color:#8a1111;background:#fde8e8;padding:.6rem .8rem}.notice{background:#fff6d6;padding:.6rem .8rem}`;

export function layout(title: string, body: Html): string {
  return '<!doctype html>\n' + html`<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Jullix demo app</title><style>${STYLE}</style></head>
<body><h1>${title}</h1>
${body}
</body></html>`.toString();
}

function signInButtons(): Html {
  return html`<form method="get" action="/login"><button type="submit">Sign in</button></form>
<form method="get" action="/login"><input type="hidden" name="stepup" value="1"><button type="submit">Sign in with step-up</button></form>`;
}

function authTime(value: unknown): Html | string {
  if (typeof value !== 'number') return String(value ?? '');
  const date = new Date(value * 1000);
  return html`${value} (<time datetime="${date.toISOString()}">${date.toUTCString()}</time>)`;
}

function claimsTable(claims: Record<string, unknown>): Html {
  const row = (name: string, value: Html | string) => html`<tr><th scope="row">${name}</th><td data-testid="claim-${name}">${value}</td></tr>`;
  return html`<table>
${row('sub', String(claims['sub'] ?? ''))}
${row('amr', JSON.stringify(claims['amr'] ?? null))}
${row('acr', String(claims['acr'] ?? ''))}
${row('auth_time', authTime(claims['auth_time']))}
</table>`;
}

function displayName(s: SignedIn): string {
  const info = s.userinfo ?? {};
  for (const v of [info['name'], info['preferred_username'], s.claims['sub']]) if (typeof v === 'string' && v) return v;
  return '?';
}

export function homePage(issuer: string, signedIn: SignedIn | undefined): string {
  if (!signedIn) {
    return layout('Jullix demo app', html`<p data-testid="signed-out">You are not signed in. This app signs you in at <code>${issuer}</code> with OpenID Connect (authorization code flow with PKCE).</p>
<div class="actions">${signInButtons()}</div>`);
  }
  const acr = signedIn.claims['acr'];
  return layout('Jullix demo app', html`<p data-testid="signed-in">Signed in as <strong>${displayName(signedIn)}</strong>.</p>
${signedIn.stepUpRequested && acr !== 'aal2' ? html`<p class="notice" data-testid="stepup-notice">Step-up asked for acr aal2, the IdP answered ${String(acr)}.</p>` : ''}
<h2>ID token</h2>
${claimsTable(signedIn.claims)}
<pre data-testid="id-token-claims">${JSON.stringify(signedIn.claims, null, 2)}</pre>
${signedIn.userinfo ? html`<h2>UserInfo</h2><pre data-testid="userinfo">${JSON.stringify(signedIn.userinfo, null, 2)}</pre>` : ''}
<div class="actions">${signInButtons()}
<form method="post" action="/logout"><button type="submit">Sign out</button></form></div>`);
}

export function errorPage(error: string, description?: string): string {
  return layout('Sign-in did not complete', html`<p class="error" role="alert" data-testid="rp-error"><strong>${error}</strong>${description ? html`: ${description}` : ''}</p>
<p><a href="/">Back to the demo app</a></p>`);
}
