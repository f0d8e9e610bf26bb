// The CLI prints URLs built from its own ISSUER (POST <issuer>/reg, a client's issuer), and nothing
// in the database says which issuer the server runs with: a shell without ISSUER prints the
// built-in http://localhost:3000, which a deployed server is not. That cannot be told from a real
// local setup, so the output stays, and a notice on stderr says what it assumed.
import { defaultIssuer } from '../config/load.ts';

/** The stderr notice when `issuer` is the built-in default for `port`; undefined when ISSUER was set. */
export function defaultIssuerNotice(issuer: string, port: number, what: string): string | undefined {
  if (issuer !== defaultIssuer(port)) return undefined;
  return `${what} assumes the default issuer ${issuer}, as ISSUER is not set here: if the server has another ISSUER, set it for this command too.`;
}
