// The built-in client through which the self-service account page signs people in.
import type { ClientMetadata } from 'oidc-provider';

export const ACCOUNT_CLIENT_ID = 'jullix-account';
export const ACCOUNT_PATH = '/account';

export function accountClient(issuer: string): ClientMetadata {
  return {
    client_id: ACCOUNT_CLIENT_ID,
    client_name: 'Account',
    token_endpoint_auth_method: 'none',
    application_type: 'web',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [`${issuer}${ACCOUNT_PATH}/callback`],
    jullix_first_party: true,
  };
}
