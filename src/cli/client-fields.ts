// What an operator may type about a client, shared by `client add` and `client update`: every rule
// (URIs, grants against the auth method) is checked while parsing, so a broken one is a usage
// error (exit 2) naming its flag.
import { z } from 'zod';
import { AUTH_METHODS, clientNameProblem, clientShapeProblems, GRANT_TYPES, type ClientProblem, type NewClient } from '../provider/client-metadata.ts';
import { validateBackchannelLogoutUri, validateHttpsUrl, validateRedirectUri, type RedirectUriVerdict } from '../provider/redirect-uris.ts';

function uriSchema(validate: (uri: string) => RedirectUriVerdict) {
  return z.string().superRefine((uri, ctx) => {
    const verdict = validate(uri);
    if (!verdict.ok) ctx.addIssue({ code: 'custom', message: `"${uri}" ${verdict.reason}` });
  });
}

export const redirectUri = uriSchema(validateRedirectUri);
export const backchannelLogoutUri = uriSchema(validateBackchannelLogoutUri);
export const httpsUrl = uriSchema(validateHttpsUrl);

export const clientId = z.string().min(1, 'must not be empty').max(128, 'must be at most 128 characters');

export const clientName = z.string({ error: (i) => (i.input === undefined ? 'is required (the name shown to users)' : undefined) })
  .trim().superRefine((s, ctx) => {
    const problem = clientNameProblem(s);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });

export const grantType = z.enum(GRANT_TYPES, { error: (i) => `"${String(i.input)}" is not one of: ${GRANT_TYPES.join(', ')}` });
export const authMethod = z.enum(AUTH_METHODS, { error: (i) => `"${String(i.input)}" is not one of: ${AUTH_METHODS.join(', ')}` });

/** The flag an operator types for each metadata field a rule can be about. */
const FLAG_OF: Record<ClientProblem['field'], string> = {
  grant_types: 'grant-type',
  redirect_uris: 'redirect-uri',
  post_logout_redirect_uris: 'post-logout-redirect-uri',
  default_acr_values: 'require-mfa',
  backchannel_logout_uri: 'backchannel-logout-uri',
};

/** Reports the registry's rules as usage errors on the flags (parseCommand prints "--flag: message"). */
export function addProblems(ctx: z.RefinementCtx, problems: ClientProblem[]): void {
  for (const p of problems) ctx.addIssue({ code: 'custom', path: [FLAG_OF[p.field]], message: p.message });
}

/** Two flags that say opposite things, e.g. --first-party and --third-party. */
export function conflicting(ctx: z.RefinementCtx, args: Record<string, unknown>, a: string, b: string): void {
  const given = (v: unknown) => v !== undefined && v !== false;
  if (given(args[a]) && given(args[b])) ctx.addIssue({ code: 'custom', path: [a], message: `conflicts with --${b}: give one or the other` });
}

/** `client add`'s options, checked and turned into the registry's NewClient. */
export const newClientArgs = z.object({
  name: clientName,
  'redirect-uri': z.array(redirectUri).default([]),
  'post-logout-redirect-uri': z.array(redirectUri).default([]),
  'grant-type': z.array(grantType).default(['authorization_code', 'refresh_token']),
  'token-endpoint-auth-method': authMethod.optional(),
  public: z.boolean().default(false),
  'first-party': z.boolean().default(false),
  'require-mfa': z.boolean().default(false),
  'backchannel-logout-uri': backchannelLogoutUri.optional(),
  'logo-uri': httpsUrl.optional(),
  'client-uri': httpsUrl.optional(),
}).transform((a, ctx): NewClient => {
  const method = a['token-endpoint-auth-method'];
  if (a.public && method !== undefined && method !== 'none') {
    ctx.addIssue({ code: 'custom', path: ['public'], message: `conflicts with --token-endpoint-auth-method ${method}: a public client has no secret` });
  }
  const client: NewClient = {
    name: a.name,
    redirectUris: a['redirect-uri'],
    postLogoutRedirectUris: a['post-logout-redirect-uri'],
    grantTypes: [...new Set(a['grant-type'])],
    authMethod: a.public ? 'none' : method ?? 'client_secret_basic',
    firstParty: a['first-party'],
    requireMfa: a['require-mfa'],
    backchannelLogoutUri: a['backchannel-logout-uri'],
    logoUri: a['logo-uri'],
    clientUri: a['client-uri'],
  };
  addProblems(ctx, clientShapeProblems(client));
  return client;
});
