// The CLI prints URLs built from its own ISSUER (POST <issuer>/reg, a client's issuer), and nothing
// in the database says which issuer the server runs with: a shell without ISSUER prints the
// built-in http://localhost:3000, which a deployed server is not. That cannot be told from a real
// local setup, so the output stays, and a notice on stderr says what it assumed.
import { defaultIssuer } from '../config/load.ts';

/** The stderr notice when `issuer` is the built-in default for `port`; undefined for any other issuer. */
export function defaultIssuerNotice(issuer: string, port: number, what: string): string | undefined {
  if (issuer !== defaultIssuer(port)) return undefined;
  // ISSUER may be set to the default's very value (the CLI cannot tell): the notice says what was used, not why.
  return `${what} uses the built-in default issuer ${issuer}: if the server runs with another ISSUER, set it for this command too.`;
}
