// Step-up through oidc-provider's interaction policy (RFC 9470 style): one login check compares
// the level a request needs (acr_values, the claims parameter, the client's default_acr_values)
// with the session's, so every request style is handled the same way and prompt=none gets
// login_required instead of a token at a lower level.
import { interactionPolicy, errors, type KoaContextWithOIDC } from 'oidc-provider';
import { effectiveAcr, requiredAcr, satisfies, type Acr } from '../sign-in/assurance.ts';

export const STEP_UP_REASON = 'acr_step_up';

interface AcrClaimRequest { essential?: boolean; value?: unknown; values?: unknown }

function requestedValues(ctx: KoaContextWithOIDC): unknown[] {
  const acr = (ctx.oidc.claims as { id_token?: { acr?: AcrClaimRequest | null } } | undefined)?.id_token?.acr;
  if (!acr) return [];
  if (acr.values !== undefined && !Array.isArray(acr.values)) throw new errors.InvalidRequest('claims.id_token.acr.values must be an array');
  return acr.values ?? (acr.value === undefined ? [] : [acr.value]);
}

export function neededAcr(ctx: KoaContextWithOIDC): Acr | undefined {
  const floor = ctx.oidc.client?.defaultAcrValues ?? [];
  return requiredAcr({ values: requestedValues(ctx), clientFloor: floor });
}

/** The session's level now. Wall-clock time on purpose: auth_time is stamped by the provider with it. */
export function sessionAcr(ctx: KoaContextWithOIDC, aal2MaxAgeSeconds: number): Acr | undefined {
  const session = ctx.oidc.session;
  if (!session?.accountId) return undefined;
  return effectiveAcr(session.acr, session.authTime(), Math.floor(Date.now() / 1000), aal2MaxAgeSeconds);
}

export function interactionPolicyWithStepUp(aal2MaxAgeSeconds: number) {
  const { base, Check } = interactionPolicy;
  const policy = base();
  const login = policy.get('login');
  if (!login) throw new Error('oidc-provider has no login prompt');
  // The built-in essential-acr checks demand an exact match, so an aal1 request on an aal2 session
  // would loop; ours treats a higher level as satisfying a lower one.
  login.checks.remove('essential_acrs');
  login.checks.remove('essential_acr');
  login.checks.add(new Check(STEP_UP_REASON, 'the requested authentication level is higher than the session\'s', 'login_required',
    (ctx) => (satisfies(sessionAcr(ctx, aal2MaxAgeSeconds), neededAcr(ctx)) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT),
    (ctx) => ({ requested_acr: neededAcr(ctx) ?? null })));
  return policy;
}
