// The issuer as it must be written: its URL's normalised form (WHATWG URL), character for character.
// Relying apps compare the issuer they were given, often after parsing it, byte for byte with the
// discovery document's `issuer` and every token's `iss` (OpenID Connect Discovery 4.3, Core 3.1.3.7):
// `https://idp.example.com:443` and `https://idp.example.com` are one URL but two strings, so any
// other spelling breaks some app's check. The message says exactly what to write instead.

/** Undefined when `issuer` is written in normal form (or does not parse: another rule says why). */
export function issuerSpellingProblem(issuer: string): string | undefined {
  const url = URL.parse(issuer);
  if (url === null || url.username !== '' || url.password !== '') return undefined;
  const origin = `${url.protocol}//${url.host}`;
  // Query, fragment and a trailing slash are refused by their own rules; the bare origin has path "/".
  const normal = `${origin}${url.pathname === '/' ? '' : url.pathname}`;
  if (issuer === normal) return undefined;
  const written = /^[a-z][a-z\d+.-]*:\/\/([^/\\?#]*)/i.exec(issuer);
  const writtenHost = written?.[1] ?? '';
  const reasons: string[] = [];
  const port = /:(\d*)$/.exec(writtenHost);
  if (url.port === '' && port) reasons.push(port[1] === '' ? 'drop the ":" with no port after it' : `drop the default port :${port[1]}`);
  if (/[^\x00-\x7f]/.test(writtenHost)) reasons.push('write the host in its ASCII (punycode) form');
  if (written && /[A-Z]/.test(written[0]) && reasons.length === 0) reasons.push('write the scheme and host in lower case');
  if (reasons.length === 0) reasons.push(written && written[0] !== origin ? 'the host as a URL writes it' : 'the path as a URL writes it');
  return `must be written as ${normal} (${reasons.join('; ')})`;
}
