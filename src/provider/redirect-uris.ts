// Redirect URI rules, checked before oidc-provider ever sees a new client: the CLI reports a broken
// rule as a usage error, and the client registry refuses to store one. Also the rules for the other
// URLs a client registers (back-channel logout, logo, home page). No imports, so both load fast.

export type RedirectUriVerdict = { ok: true } | { ok: false; reason: string };

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The rules for a web client's redirect (and post-logout redirect) URI. Matching is exact, so a
 * registered URI must be precise (RFC 9700 OAuth 2.0 Security BCP §2.1, §4.1).
 */
export function validateRedirectUri(uri: string): RedirectUriVerdict {
  const fail = (reason: string): RedirectUriVerdict => ({ ok: false, reason });
  if (uri.includes('*')) return fail('must not contain a wildcard "*": redirect URIs are matched exactly (RFC 9700 §2.1)');
  if (uri.includes('#')) return fail('must not contain a fragment "#" (RFC 6749 §3.1.2)');
  const url = URL.parse(uri);
  if (url === null || !/^[a-z][a-z0-9+.-]*:/i.test(uri)) return fail('must be an absolute URI such as https://app.example.com/callback (RFC 6749 §3.1.2)');
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    // Said to web and native apps alike: native apps are refused custom schemes here too, and offered the loopback way.
    return fail(`uses the custom scheme "${url.protocol}": only https redirect URIs are accepted, and plain http on loopback hosts; a native app can use a loopback redirect instead, such as http://127.0.0.1:8080/callback (RFC 8252 §7.3; registered with application_type native, any port then matches)`);
  }
  // The raw authority is checked too: "https://@host/" parses to an empty, invisible userinfo.
  if (url.username !== '' || url.password !== '' || /^[a-z]+:\/\/[^/?#]*@/i.test(uri)) {
    return fail('must not contain user credentials ("user@host"): they can disguise the real host (RFC 3986 §7.6)');
  }
  if (url.hostname === '') return fail('must name a host');
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    return fail('must use https: plain http is allowed only for loopback hosts (localhost, 127.0.0.1, [::1]) (RFC 6749 §3.1.2.1, RFC 8252 §7.3)');
  }
  return { ok: true };
}

/**
 * The back-channel logout URI: the IdP POSTs the logout token there, server to server, so https
 * (OpenID Connect Back-Channel Logout 1.0 §2.2), or http only to a development app on loopback.
 */
export function validateBackchannelLogoutUri(uri: string): RedirectUriVerdict {
  const fail = (reason: string): RedirectUriVerdict => ({ ok: false, reason });
  const url = URL.parse(uri);
  if (url === null || !/^[a-z][a-z0-9+.-]*:/i.test(uri)) return fail('must be an absolute URL such as https://app.example.com/logout');
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return fail(`uses the scheme "${url.protocol}": it must be https`);
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    return fail('must use https: plain http is allowed only for loopback hosts (localhost, 127.0.0.1, [::1])');
  }
  if (uri.includes('#')) return fail('must not contain a fragment "#"');
  // The rest (no user@ part, a host) as for a redirect URI.
  return validateRedirectUri(uri);
}

/** A page or image shown to people (client_uri, logo_uri on the consent page): https only. */
export function validateHttpsUrl(uri: string): RedirectUriVerdict {
  const url = URL.parse(uri);
  if (url === null || !/^https:\/\//i.test(uri) || url.protocol !== 'https:') return { ok: false, reason: 'must be an https URL such as https://app.example.com/' };
  if (url.username !== '' || url.password !== '' || /^https:\/\/[^/?#]*@/i.test(uri)) {
    return { ok: false, reason: 'must not contain user credentials ("user@host"): they can disguise the real host (RFC 3986 §7.6)' };
  }
  return { ok: true };
}

/**
 * Whether a back-channel call may go around oidc-provider's SSRF guard (which refuses loopback and
 * private addresses): only a development IdP, itself on a loopback http issuer, calling an app on
 * loopback. Any other issuer or target keeps the guard.
 */
export function mayCallLoopback(issuer: string, target: string): boolean {
  const from = URL.parse(issuer);
  const to = URL.parse(target);
  if (from === null || to === null) return false;
  const loopback = (u: URL) => u.username === '' && u.password === '' && LOOPBACK_HOSTS.has(u.hostname);
  return from.protocol === 'http:' && loopback(from) && loopback(to);
}
