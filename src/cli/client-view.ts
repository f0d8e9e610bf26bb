// How a registered client is shown by `client add`, `client show` and `client list`: its
// metadata, never its secret (only `client add` prints that, once).
import type { RegisteredClient } from '../provider/clients.ts';
import { FIRST_PARTY } from '../provider/client-metadata.ts';
import type { CliIo } from './command.ts';
import { printFields } from './output.ts';

export interface ClientView {
  client_id: string;
  client_name: string;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  token_endpoint_auth_method: string;
  grant_types: string[];
  first_party: boolean;
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
    created_at: client.client_id_issued_at === undefined ? null : new Date(client.client_id_issued_at * 1000).toISOString(),
  };
}

export function printClient(io: CliIo, view: ClientView, extra: Array<[string, string]> = []): void {
  printFields(io, [
    ['Client ID', view.client_id],
    ['Name', view.client_name],
    ['Type', view.token_endpoint_auth_method === 'none' ? 'public (no secret, PKCE required)' : `confidential (${view.token_endpoint_auth_method})`],
    ['First party', view.first_party ? 'yes (no consent screen)' : 'no'],
    ['Redirect URIs', view.redirect_uris],
    ['Post-logout URIs', view.post_logout_redirect_uris],
    ['Created', view.created_at ?? 'unknown'],
    ...extra,
  ]);
}
