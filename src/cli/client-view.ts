// How a registered client is shown by the `client` commands: its metadata, never its secret (only
// `client add` and `client rotate-secret` print one, once).
import type { RegisteredClient } from '../provider/clients.ts';
import { FIRST_PARTY, requiresMfa } from '../provider/client-metadata.ts';
import type { CliIo } from './command.ts';
import { printable, printFields, printTable } from './output.ts';

export interface ClientView {
  client_id: string;
  client_name: string;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  token_endpoint_auth_method: string;
  grant_types: string[];
  first_party: boolean;
  /** default_acr_values make aal2 the floor: the second factor is always asked for. */
  require_mfa: boolean;
  backchannel_logout_uri: string | null;
  logo_uri: string | null;
  client_uri: string | null;
  created_at: string | null;
}

export function clientView(client: RegisteredClient): ClientView {
  return {
    client_id: client.client_id,
    client_name: client.client_name,
    redirect_uris: client.redirect_uris,
    post_logout_redirect_uris: client.post_logout_redirect_uris,
    token_endpoint_auth_method: client.token_endpoint_auth_method,
    grant_types: client.grant_types,
    first_party: client[FIRST_PARTY],
    require_mfa: requiresMfa(client.default_acr_values),
    backchannel_logout_uri: client.backchannel_logout_uri ?? null,
    logo_uri: client.logo_uri ?? null,
    client_uri: client.client_uri ?? null,
    created_at: client.client_id_issued_at === undefined ? null : new Date(client.client_id_issued_at * 1000).toISOString(),
  };
}

const isPublic = (view: ClientView) => view.token_endpoint_auth_method === 'none';

// A client registered through DCR chose its own name and URIs: escape them for the terminal.
export function printClient(io: CliIo, client: ClientView, extra: Array<[string, string]> = []): void {
  const view = safeForTerminal(client);
  printFields(io, [
    ['Client ID', view.client_id],
    ['Name', view.client_name],
    ['Type', isPublic(view) ? 'public (no secret, PKCE required)' : `confidential (${view.token_endpoint_auth_method})`],
    ['Grant types', view.grant_types.join(', ')],
    ['First party', view.first_party ? 'yes (no consent screen)' : 'no'],
    ['Require MFA', view.require_mfa ? 'yes (always asks for the second factor)' : 'no'],
    ['Redirect URIs', view.redirect_uris],
    ['Post-logout URIs', view.post_logout_redirect_uris],
    ['Back-channel logout', view.backchannel_logout_uri ?? '(none)'],
    ['Logo URI', view.logo_uri ?? '(none)'],
    ['Client URI', view.client_uri ?? '(none)'],
    ['Created', view.created_at ?? 'unknown'],
    ...extra,
  ]);
}

export function printClientTable(io: CliIo, clients: ClientView[]): void {
  printTable(io, ['CLIENT ID', 'NAME', 'TYPE', 'GRANTS', 'FIRST PARTY', 'MFA', 'BACK-CHANNEL LOGOUT', 'REDIRECT URIS'], clients.map(safeForTerminal).map((c) => [
    c.client_id, c.client_name, isPublic(c) ? 'public' : `confidential (${c.token_endpoint_auth_method})`,
    c.grant_types.join(','), c.first_party ? 'yes' : 'no', c.require_mfa ? 'required' : 'no',
    c.backchannel_logout_uri ?? '-', c.redirect_uris.join(' '),
  ]));
}

function safeForTerminal(view: ClientView): ClientView {
  const text = (s: string | null) => (s === null ? null : printable(s));
  return {
    ...view,
    client_name: printable(view.client_name),
    redirect_uris: view.redirect_uris.map(printable),
    post_logout_redirect_uris: view.post_logout_redirect_uris.map(printable),
    backchannel_logout_uri: text(view.backchannel_logout_uri),
    logo_uri: text(view.logo_uri),
    client_uri: text(view.client_uri),
  };
}
