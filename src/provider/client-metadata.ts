// The metadata stored for an operator-registered client (RFC 7591 names), its rules and how a
// change is applied: pure functions, shared by the provider configuration, the client registry
// and the admin CLI. Only redirect-uris.ts is imported, so reading clients never loads oidc-provider.
import { validateBackchannelLogoutUri, validateHttpsUrl, validateRedirectUri, type RedirectUriVerdict } from './redirect-uris.ts';

/** Custom client metadata: set only by operators (CLI), never self-asserted at registration. */
export const FIRST_PARTY = 'jullix_first_party';
/**
 * Set beside default_acr_values when an operator requires the second factor (`--require-mfa`):
 * the registrant's RFC 7592 update replaces default_acr_values, not that decision
 * (registration-policy.ts). A registrant's own default_acr_values carry no such mark.
 */
export const OPERATOR_REQUIRES_MFA = 'jullix_require_mfa';

/** The initial-access-token policy for apps registered through Dynamic Client Registration. */
export const THIRD_PARTY_POLICY = 'third-party';

export const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

/**
 * Whether a token endpoint method uses the client secret (client_secret_jwt as its HMAC key).
 * Registered apps may also use private_key_jwt, their own keys, or none: those have no secret to
 * rotate or keep. oidc-provider's default, when the metadata names none, is client_secret_basic.
 */
export function usesClientSecret(method: unknown): boolean {
  return ['client_secret_basic', 'client_secret_post', 'client_secret_jwt'].includes(String(method ?? 'client_secret_basic'));
}

/** default_acr_values that make the provider always ask for the second factor (see step-up.ts). */
export const REQUIRE_MFA_ACR_VALUES = ['aal2'];

export interface NewClient {
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: GrantType[];
  /** `none` is a public client (SPA, native): no secret, PKCE required. */
  authMethod: AuthMethod;
  /** Skips the consent screen: only for the operator's own apps. */
  firstParty: boolean;
  requireMfa: boolean;
  backchannelLogoutUri?: string | undefined;
  logoUri?: string | undefined;
  clientUri?: string | undefined;
}

/** What `client update` may change; absent = keep, null = remove. */
export interface ClientChanges {
  name?: string;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  requireMfa?: boolean;
  backchannelLogoutUri?: string | null;
  firstParty?: boolean;
  logoUri?: string | null;
  clientUri?: string | null;
}

/** The metadata stored for oidc-provider. A type, not an interface, so it reads as a plain record. */
export type ClientMetadata = {
  client_id: string;
  client_secret?: string;
  client_name: string;
  client_id_issued_at: number;
  /** Absent for a client without the authorization_code grant. */
  redirect_uris?: string[];
  post_logout_redirect_uris: string[];
  grant_types: GrantType[];
  response_types: Array<'code'>;
  token_endpoint_auth_method: AuthMethod;
  application_type: 'web';
  default_acr_values?: string[];
  backchannel_logout_uri?: string;
  backchannel_logout_session_required?: true;
  logo_uri?: string;
  client_uri?: string;
  [FIRST_PARTY]?: true;
};

/** A stored payload, ours or one from Dynamic Client Registration, with keys we do not know kept. */
export type StoredPayload = { client_id: string; [key: string]: unknown };

/** The parts of a client the rules below look at. */
export interface ClientShape {
  grantTypes: readonly string[];
  authMethod: string;
  redirectUris: readonly string[];
  postLogoutRedirectUris: readonly string[];
  requireMfa: boolean;
  /** The client's own default_acr_values (Dynamic Client Registration): any level, not only aal2, is about sign-in. */
  defaultAcrValues?: readonly string[] | undefined;
  backchannelLogoutUri?: string | undefined;
}

/** A broken rule, on the metadata field it is about (the CLI names its flag instead). */
export interface ClientProblem {
  field: 'grant_types' | 'redirect_uris' | 'post_logout_redirect_uris' | 'default_acr_values' | 'backchannel_logout_uri';
  message: string;
}

/** Every way this combination of grants, authentication and sign-in settings is wrong; empty when fine. */
export function clientShapeProblems(shape: ClientShape): ClientProblem[] {
  const problems: ClientProblem[] = [];
  const grants = (message: string) => problems.push({ field: 'grant_types', message });
  const signsUsersIn = shape.grantTypes.includes('authorization_code');
  if (shape.grantTypes.length === 0) grants('must name at least one grant type');
  if (shape.grantTypes.includes('client_credentials') && shape.authMethod === 'none') {
    grants('client_credentials needs a confidential client (with a secret): a public client cannot use it');
  }
  // Refresh tokens come only with an authorization code here (client credentials get none).
  if (shape.grantTypes.includes('refresh_token') && !signsUsersIn) grants('refresh_token needs authorization_code as well');
  if (signsUsersIn && shape.redirectUris.length === 0) {
    problems.push({ field: 'redirect_uris', message: 'is required (at least one) for the authorization_code grant' });
  }
  if (!signsUsersIn) {
    const onlyForSignIn = (field: ClientProblem['field'], what: string, present: boolean) => {
      if (present) problems.push({ field, message: `${what} only for clients that sign users in (the authorization_code grant)` });
    };
    onlyForSignIn('redirect_uris', 'are', shape.redirectUris.length > 0);
    onlyForSignIn('post_logout_redirect_uris', 'are', shape.postLogoutRedirectUris.length > 0);
    const asksForLevel = shape.requireMfa || (shape.defaultAcrValues ?? []).length > 0;
    onlyForSignIn('default_acr_values', shape.requireMfa ? 'requiring the second factor is' : 'asking for an authentication level is', asksForLevel);
    onlyForSignIn('backchannel_logout_uri', 'is', shape.backchannelLogoutUri !== undefined);
  }
  return problems;
}

/** Every URI that breaks its rule, as `<what> "<uri>" <reason>`. */
export function uriProblems(input: Pick<NewClient, 'redirectUris' | 'postLogoutRedirectUris' | 'backchannelLogoutUri' | 'logoUri' | 'clientUri'>): string[] {
  type Check = [what: string, uri: string | undefined, validate: (uri: string) => RedirectUriVerdict];
  const checks: Check[] = [
    ...input.redirectUris.map((u): Check => ['redirect URI', u, validateRedirectUri]),
    ...input.postLogoutRedirectUris.map((u): Check => ['post-logout redirect URI', u, validateRedirectUri]),
    ['back-channel logout URI', input.backchannelLogoutUri, validateBackchannelLogoutUri],
    ['logo URI', input.logoUri, validateHttpsUrl],
    ['client URI', input.clientUri, validateHttpsUrl],
  ];
  return checks.flatMap(([what, uri, validate]) => {
    const verdict: RedirectUriVerdict = uri === undefined ? { ok: true } : validate(uri);
    return verdict.ok ? [] : [`${what} "${uri}" ${verdict.reason}`];
  });
}

/** The metadata for a new client; `clientSecret` is ignored for a public one. */
export function buildMetadata(input: NewClient, ids: { clientId: string; clientSecret: string; issuedAt: number }): ClientMetadata {
  const signsUsersIn = input.grantTypes.includes('authorization_code');
  return {
    client_id: ids.clientId,
    ...(input.authMethod === 'none' ? {} : { client_secret: ids.clientSecret }),
    client_name: input.name,
    client_id_issued_at: ids.issuedAt,
    ...(signsUsersIn ? { redirect_uris: [...new Set(input.redirectUris)] } : {}),
    post_logout_redirect_uris: [...new Set(input.postLogoutRedirectUris)],
    grant_types: [...new Set(input.grantTypes)],
    response_types: signsUsersIn ? ['code'] : [],
    token_endpoint_auth_method: input.authMethod,
    application_type: 'web',
    ...(input.requireMfa ? { default_acr_values: [...REQUIRE_MFA_ACR_VALUES], [OPERATOR_REQUIRES_MFA]: true as const } : {}),
    ...(input.backchannelLogoutUri === undefined ? {} : backchannel(input.backchannelLogoutUri)),
    ...(input.logoUri === undefined ? {} : { logo_uri: input.logoUri }),
    ...(input.clientUri === undefined ? {} : { client_uri: input.clientUri }),
    ...(input.firstParty ? { [FIRST_PARTY]: true as const } : {}),
  };
}

// The logout token then carries the session id, so the app can end just that session.
function backchannel(uri: string) {
  return { backchannel_logout_uri: uri, backchannel_logout_session_required: true as const };
}

/** The payload with `changes` applied: a key set to undefined is removed. */
export function applyChanges(payload: StoredPayload, changes: ClientChanges): StoredPayload {
  const next: Record<string, unknown> = {};
  const set = (key: string, value: unknown) => { next[key] = value; };
  if (changes.name !== undefined) set('client_name', changes.name);
  if (changes.redirectUris !== undefined) set('redirect_uris', [...new Set(changes.redirectUris)]);
  if (changes.postLogoutRedirectUris !== undefined) set('post_logout_redirect_uris', [...new Set(changes.postLogoutRedirectUris)]);
  if (changes.requireMfa !== undefined) {
    set('default_acr_values', changes.requireMfa ? [...REQUIRE_MFA_ACR_VALUES] : undefined);
    set(OPERATOR_REQUIRES_MFA, changes.requireMfa ? true : undefined);
  }
  if (changes.backchannelLogoutUri !== undefined) {
    const on = changes.backchannelLogoutUri === null ? undefined : backchannel(changes.backchannelLogoutUri);
    set('backchannel_logout_uri', on?.backchannel_logout_uri);
    set('backchannel_logout_session_required', on?.backchannel_logout_session_required);
  }
  if (changes.firstParty !== undefined) set(FIRST_PARTY, changes.firstParty ? true : undefined);
  if (changes.logoUri !== undefined) set('logo_uri', changes.logoUri ?? undefined);
  if (changes.clientUri !== undefined) set('client_uri', changes.clientUri ?? undefined);
  const merged: Record<string, unknown> = { ...payload, ...next };
  for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
  return { ...merged, client_id: payload.client_id };
}

/**
 * A ZERO WIDTH NON-JOINER or JOINER (U+200C, U+200D) with a letter, mark or emoji on each side:
 * Persian, the Indic scripts and emoji sequences (👩‍💻) need them there, and refusing every Cf
 * character would refuse names written correctly in those. The rule looks at the neighbours only,
 * not at the script: a joiner inside a Latin word stays invisible, as look-alike letters from
 * other scripts do, which no rule on characters can stop. At either end, next to a space or
 * doubled, a joiner joins nothing and is refused with the rest.
 */
const JOINER_IN_WORD = /(?<=[\p{L}\p{M}\p{Extended_Pictographic}\p{Emoji_Modifier}])[\u200c\u200d](?=[\p{L}\p{M}\p{Extended_Pictographic}])/gu;

/**
 * Why a client name cannot be shown as it is, or undefined; the admin CLI and registration share
 * it. The name heads the consent page and a line of `client list`: control characters break that
 * line, and the bidirectional ones (U+202A-U+202E, U+2066-U+2069, and the marks U+200E, U+200F,
 * U+061C) reorder what people read, so a registrant could show "Jullix Portal" spelled backwards.
 * Other invisible format characters (Unicode category Cf: U+200B, U+2060, U+FEFF, the soft hyphen
 * U+00AD, U+180E, ...) make a name that looks like another one but is not, in `client list` and
 * in the audit log alike, and are refused too, except for JOINER_IN_WORD.
 */
export function clientNameProblem(name: string): string | undefined {
  const trimmed = name.trim();
  if (trimmed === '') return 'must not be empty';
  if (trimmed.length > 128) return 'must be at most 128 characters';
  if (/\p{Cc}/u.test(name)) return 'must not contain control characters';
  if (/[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/.test(name)) return 'must not contain bidirectional control characters (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C): they reorder the name people read';
  // Line and paragraph separators (U+2028, U+2029) break a line as a newline does.
  if (/[\u2028\u2029]/.test(name)) return 'must not contain line or paragraph separators (U+2028, U+2029)';
  const hidden = /\p{Cf}/u.exec(name.replace(JOINER_IN_WORD, ''))?.[0];
  if (hidden !== undefined) return `must not contain invisible format characters such as ${codePointName(hidden)}: they make a name look like another one (U+200C and U+200D only between letters or emoji)`;
  return undefined;
}

function codePointName(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Whether the client's level floor is aal2 (step-up.ts takes the lowest of default_acr_values). */
export function requiresMfa(defaultAcrValues: readonly string[]): boolean {
  return defaultAcrValues.includes('aal2') && !defaultAcrValues.includes('aal1');
}
