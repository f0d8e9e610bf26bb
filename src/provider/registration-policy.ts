// Rules for clients registered through Dynamic Client Registration (RFC 7591/7592). oidc-provider
// runs this policy (named by the initial access token) before its own validation, on create and
// on every update through the registration access token (an RFC 7592 PUT carries the full
// metadata, so each update is checked as a whole new client). The rules are the admin CLI's.
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { clientNameProblem, clientShapeProblems, FIRST_PARTY, OPERATOR_REQUIRES_MFA, REQUIRE_MFA_ACR_VALUES, requiresMfa, THIRD_PARTY_POLICY, usesClientSecret, type ClientShape } from './client-metadata.ts';
import { validateBackchannelLogoutUri, validateHttpsUrl, validateRedirectUri, type RedirectUriVerdict } from './redirect-uris.ts';

export { THIRD_PARTY_POLICY };

type Metadata = Record<string, unknown>;

/** Every URL field a registrant may send and its rule; the pages and logo are shown to people, so https only. */
const URI_RULES: ReadonlyArray<[field: string, validate: (uri: string) => RedirectUriVerdict]> = [
  ['redirect_uris', validateRedirectUri],
  ['post_logout_redirect_uris', validateRedirectUri],
  ['backchannel_logout_uri', validateBackchannelLogoutUri],
  ['logo_uri', validateHttpsUrl],
  ['client_uri', validateHttpsUrl],
  ['policy_uri', validateHttpsUrl],
  ['tos_uri', validateHttpsUrl],
  // Where the client's authentication keys come from (private_key_jwt): over http, anyone on the
  // way could swap them.
  ['jwks_uri', validateHttpsUrl],
];

/** The grants this IdP serves; a client asking for another is oidc-provider's to refuse, with its own message. */
const SERVED_GRANT_TYPES = new Set(['authorization_code', 'refresh_token', 'client_credentials']);

// oidc-provider's clientDefaults (configuration.ts keeps them): what a registrant who leaves the
// field out gets, so the rules must judge the client with them.
const DEFAULT_GRANT_TYPES = ['authorization_code'];
const DEFAULT_RESPONSE_TYPES = ['code'];
const DEFAULT_AUTH_METHOD = 'client_secret_basic';

/**
 * Throws the RFC 7591 error for the first broken rule; removes what a registrant may not claim.
 * `current` is the client as stored, on an RFC 7592 update.
 */
export function applyThirdPartyPolicy(properties: Metadata, current?: Metadata): void {
  // Only an operator decides that an app is first-party (no consent screen, `client update
  // --first-party`). An RFC 7592 PUT replaces the registrant's metadata, not that decision: it
  // dropped it, and the app's users met a consent screen after its developer changed a redirect URI.
  delete properties[FIRST_PARTY];
  if (current?.[FIRST_PARTY] === true) properties[FIRST_PARTY] = true;
  // The same for an operator's `--require-mfa`: the update keeps aal2 as the app's floor, whatever
  // default_acr_values it sends (it dropped them, and the second factor was no longer asked for).
  delete properties[OPERATOR_REQUIRES_MFA];
  if (current?.[OPERATOR_REQUIRES_MFA] === true) {
    properties[OPERATOR_REQUIRES_MFA] = true;
    properties.default_acr_values = [...REQUIRE_MFA_ACR_VALUES];
  }
  // On update oidc-provider keeps the old secret whatever the new method: a client made public
  // (or moved to private_key_jwt) was still answered its secret, and switching back revived it,
  // though its developer had every reason to think it dead. Without one, a new secret is issued.
  if (current !== undefined && !usesClientSecret(properties.token_endpoint_auth_method)) {
    delete properties.client_secret;
    delete properties.client_secret_expires_at;
  }
  for (const [field, validate] of URI_RULES) {
    for (const uri of strings(properties[field])) {
      const verdict = validate(uri);
      if (!verdict.ok) throw invalid(field, `"${uri}" ${verdict.reason}`);
    }
  }
  // People read the name on the consent page: the CLI's rule for it, not only "a string". A
  // localized name (client_name#fr, RFC 7591 §2.2) is held to the same rule: a registrant sends it
  // to be shown, even though oidc-provider 9 keeps no localized metadata today.
  for (const [field, name] of Object.entries(properties)) {
    if (!isClientNameField(field) || typeof name !== 'string') continue;
    const nameProblem = clientNameProblem(name);
    if (nameProblem !== undefined) throw invalid(field, nameProblem);
  }
  const shape = shapeOf(properties);
  const [problem] = shape === undefined ? [] : clientShapeProblems(shape);
  if (problem !== undefined) throw invalid(problem.field, problem.message);
  const mismatch = shape === undefined ? undefined : responseTypesMismatch(properties, shape.grantTypes);
  if (mismatch !== undefined) throw invalid(mismatch.field, mismatch.message);
}

/**
 * RFC 7591 §2.1: the response type "code" goes with the authorization_code grant. oidc-provider
 * quietly adds or drops authorization_code to match response_types (["code"] when left out), so a
 * service sending only `"grant_types": ["client_credentials"]` was told "redirect_uris is mandatory
 * property", and a client sending `"response_types": []` was registered with no grant at all.
 */
function responseTypesMismatch(p: Metadata, grantTypes: readonly string[]): { field: string; message: string } | undefined {
  const responseTypes = stringList(p.response_types, DEFAULT_RESPONSE_TYPES);
  // Another response type (or a mistyped list) is oidc-provider's to refuse, with its own message.
  if (responseTypes === undefined || responseTypes.some((t) => t !== 'code')) return undefined;
  const code = responseTypes.includes('code');
  const signsUsersIn = grantTypes.includes('authorization_code');
  const leftOut = (field: string) => (p[field] === undefined || p[field] === null ? ' (the default when it is left out)' : '');
  if (code && !signsUsersIn) {
    return { field: 'response_types', message: `"code"${leftOut('response_types')} needs the authorization_code grant; a client that does not sign users in sends "response_types": [] (RFC 7591 §2.1)` };
  }
  if (!code && signsUsersIn) {
    return { field: 'grant_types', message: `authorization_code${leftOut('grant_types')} needs the response type "code": send "response_types": ["code"] or leave it out (RFC 7591 §2.1)` };
  }
  return undefined;
}

// InvalidClientMetadata answers invalid_redirect_uri for a description that starts with
// "redirect_uris" (as oidc-provider's own checks do). InvalidRedirectUri cannot be used: its
// constructor drops a description and keeps the authorization endpoint's "did not match" text.
function invalid(field: string, message: string): errors.InvalidClientMetadata {
  return new errors.InvalidClientMetadata(`${field}: ${message}`);
}

/** client_name, or a localized one: client_name#<language tag> (RFC 7591 §2.2). */
function isClientNameField(field: string): boolean {
  return field === 'client_name' || field.startsWith('client_name#');
}

/** The strings of a URI field, one or a list; a value of another type is oidc-provider's to refuse. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * The client as the shared rules see it, with the provider's defaults for what is left out (null
 * too: an RFC 7592 PUT drops null fields, and oidc-provider refuses them at registration).
 * Undefined when a field has the wrong type: oidc-provider then refuses the client with its own,
 * more precise message, so no rule is skipped for a client it keeps.
 */
function shapeOf(p: Metadata): ClientShape | undefined {
  const grantTypes = stringList(p.grant_types, DEFAULT_GRANT_TYPES);
  const redirectUris = stringList(p.redirect_uris, []);
  const postLogoutRedirectUris = stringList(p.post_logout_redirect_uris, []);
  const defaultAcrValues = stringList(p.default_acr_values, []);
  const authMethod = p.token_endpoint_auth_method ?? DEFAULT_AUTH_METHOD;
  const backchannelLogoutUri = p.backchannel_logout_uri ?? undefined;
  if (grantTypes === undefined || redirectUris === undefined || postLogoutRedirectUris === undefined || defaultAcrValues === undefined) return undefined;
  // An unserved grant (implicit, say) is the real problem; judging the rest first answered it with
  // a redirect_uris complaint that had nothing to do with it.
  if (grantTypes.some((g) => !SERVED_GRANT_TYPES.has(g))) return undefined;
  if (typeof authMethod !== 'string' || (backchannelLogoutUri !== undefined && typeof backchannelLogoutUri !== 'string')) return undefined;
  return {
    grantTypes, authMethod, redirectUris, postLogoutRedirectUris, backchannelLogoutUri,
    requireMfa: requiresMfa(defaultAcrValues), defaultAcrValues,
  };
}

function stringList(value: unknown, fallback: readonly string[]): readonly string[] | undefined {
  if (value === undefined || value === null) return fallback;
  if (!Array.isArray(value)) return undefined;
  const list = value.filter((v): v is string => typeof v === 'string');
  return list.length === value.length ? list : undefined;
}

export function registrationPolicies(): Record<string, (ctx: KoaContextWithOIDC, properties: Metadata) => void> {
  // ctx.oidc.client is the registered client on update only: a new registration has none yet.
  return { [THIRD_PARTY_POLICY]: (ctx, properties) => applyThirdPartyPolicy(properties, ctx.oidc.client?.metadata()) };
}
