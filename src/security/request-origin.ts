// Which Host (or trusted X-Forwarded-Host / -Proto) values a request may carry. oidc-provider builds
// its endpoint URLs from them, and an unparseable one made it fail with a 500 (found by the fuzzer).

/** True when `protocol` and `host` form a URL origin: http(s), a host name or IP, an optional valid port. */
export function isSaneOrigin(protocol: string, host: string): boolean {
  if (protocol !== 'http' && protocol !== 'https') return false;
  if (host === '' || host.length > 255) return false;
  const url = URL.parse(`${protocol}://${host}/`);
  // The parser must take the whole value as the host: no userinfo, path, query or fragment slipped in.
  // (It drops a default port, so `example.com:443` comes back as `example.com`.)
  const given = host.toLowerCase();
  return url !== null && (url.host === given || `${url.host}:${protocol === 'https' ? 443 : 80}` === given);
}
