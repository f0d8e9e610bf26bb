// Rules for clients registered through Dynamic Client Registration (RFC 7591/7592). oidc-provider
// runs this policy (named by the initial access token) before its own validation, on create and
// on every update through the registration access token.
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { FIRST_PARTY, THIRD_PARTY_POLICY } from './client-metadata.ts';
import { validateBackchannelLogoutUri, validateRedirectUri } from './redirect-uris.ts';

export { THIRD_PARTY_POLICY };

type Metadata = Record<string, unknown>;

function uriList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Throws the RFC 7591 error for the first broken rule; removes what a registrant may not claim. */
export function applyThirdPartyPolicy(properties: Metadata): void {
  // Only an operator decides that an app is first-party (no consent screen).
  delete properties[FIRST_PARTY];
  for (const field of ['redirect_uris', 'post_logout_redirect_uris'] as const) {
    for (const uri of uriList(properties[field])) {
      const verdict = validateRedirectUri(uri);
      if (!verdict.ok) {
        if (field === 'redirect_uris') throw new errors.InvalidRedirectUri(`redirect URI ${uri} ${verdict.reason}`);
        throw new errors.InvalidClientMetadata(`post_logout_redirect_uris: ${uri} ${verdict.reason}`);
      }
    }
  }
  const backchannel = properties.backchannel_logout_uri;
  if (typeof backchannel === 'string') {
    const verdict = validateBackchannelLogoutUri(backchannel);
    if (!verdict.ok) throw new errors.InvalidClientMetadata(`backchannel_logout_uri ${verdict.reason}`);
  }
}

export function registrationPolicies(): Record<string, (ctx: KoaContextWithOIDC, properties: Metadata) => void> {
  return { [THIRD_PARTY_POLICY]: (_ctx, properties) => applyThirdPartyPolicy(properties) };
}
