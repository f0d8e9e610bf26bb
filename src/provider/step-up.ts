// Step-up through oidc-provider's interaction policy (RFC 9470 style): one login check compares
// the level a request needs (acr_values, the claims parameter, the client's default_acr_values,
// the account's role) with the session's, so every request style is handled the same way and
// prompt=none gets login_required instead of a token at a lower level.
import { interactionPolicy, errors, type KoaContextWithOIDC } from 'oidc-provider';
import { ACR_LEVELS, effectiveAcr, essentialAcrToReport, higher, requiredAcr, satisfies, unmetEssentialAcr, type Acr } from '../sign-in/assurance.ts';
import { isIdpAccount } from './find-account.ts';
import { idTokenClaimRequest } from './claims.ts';

export const STEP_UP_REASON = 'acr_step_up';
export const ACCOUNT_UNAVAILABLE_REASON = 'account_unavailable';

interface AcrClaimRequest { essential?: boolean; value?: unknown; values?: unknown }

/** The claims parameter's essential acr request as sent; undefined when it has none. */
function essentialAcrParam(claims: unknown): AcrClaimRequest | undefined {
  const acr = idTokenClaimRequest(claims, 'acr');
  return typeof acr === 'object' && acr !== null && (acr as AcrClaimRequest).essential === true ? acr as AcrClaimRequest : undefined;
}

/**
 * The request's acr asks: `merged` as oidc-provider merged them (acr_values, else a client's
 * default_acr_values, else the claims parameter's), and `essential`, the claims parameter's essential
 * one as sent. The merge puts acr_values in place of the claims parameter's acr, essential flag and
 * all (its assignClaims), so an essential request, which OIDC Core 5.5.1.1 makes binding, is read
 * from the parameter itself; and neither may cancel the other.
 */
function acrRequests(ctx: KoaContextWithOIDC): { merged: AcrClaimRequest | undefined; essential: AcrClaimRequest | undefined } {
  const merged = (ctx.oidc.claims as { id_token?: { acr?: AcrClaimRequest | null } } | undefined)?.id_token?.acr ?? undefined;
  return { merged, essential: essentialAcrParam(ctx.oidc.params?.['claims']) ?? (merged?.essential === true ? merged : undefined) };
}

function requestedValues(acr: AcrClaimRequest | undefined): unknown[] {
  if (!acr) return [];
  if (acr.values !== undefined && !Array.isArray(acr.values)) throw new errors.InvalidRequest('claims.id_token.acr.values must be an array');
  return acr.values ?? (acr.value === undefined ? [] : [acr.value]);
}

export function neededAcr(ctx: KoaContextWithOIDC): Acr | undefined {
  const { merged, essential } = acrRequests(ctx);
  const essentialValues = requestedValues(essential);
  // OIDC Core 5.5.1.1: an essential acr that cannot be met is a failed authentication, not a
  // token at another level (voluntary acr_values with unknown levels are ignored, 3.1.2.1).
  if (essential && unmetEssentialAcr(essentialValues)) {
    throw new errors.CustomOIDCProviderError('unmet_authentication_requirements', `none of the essential acr values can be met (supported: ${ACR_LEVELS.join(', ')})`);
  }
  // A role that must use the second factor (MFA_REQUIRED_ROLES) is at aal2 on every request, also
  // with a session from before the role (or the setting) changed.
  const mfaRequired = isIdpAccount(ctx.oidc.account) && ctx.oidc.account.mfaRequired;
  const asked = requiredAcr({ values: requestedValues(merged), clientFloor: ctx.oidc.client?.defaultAcrValues ?? [], accountFloor: mfaRequired ? 'aal2' : undefined });
  // The stricter of the two: acr_values=aal2 with an essential acr that lists aal1, or no level at
  // all ("return acr"), still needs aal2 (found by a review: the essential one had replaced it).
  return higher(asked, requiredAcr({ values: essentialValues, clientFloor: [] }));
}

/** The session's level now. Wall-clock time on purpose: auth_time is stamped by the provider with it. */
export function sessionAcr(ctx: KoaContextWithOIDC, aal2MaxAgeSeconds: number): Acr | undefined {
  const session = ctx.oidc.session;
  if (!session?.accountId) return undefined;
  return effectiveAcr(session.acr, session.authTime(), Math.floor(Date.now() / 1000), aal2MaxAgeSeconds);
}

/**
 * A session whose aal2 has aged past AAL2_MAX_AGE_SECONDS counts as aal1 (effectiveAcr): tokens
 * issued from it now say so, instead of carrying the aal2 and otp of a sign-in the IdP itself no
 * longer rates at that level. The provider saves the session at the end of the request.
 */
function downgradeAgedSession(ctx: KoaContextWithOIDC, aal2MaxAgeSeconds: number): void {
  const session = ctx.oidc.session;
  if (session?.accountId && session.acr === 'aal2' && sessionAcr(ctx, aal2MaxAgeSeconds) === 'aal1') {
    session.acr = 'aal1';
    session.amr = ['pwd'];
  }
}

/**
 * For an essential acr request the session exceeds, this request's code and ID token carry the
 * value asked for (essentialAcrToReport), not the session's: the provider reads ctx.oidc.acr for
 * them, so that one request gets its own value and the session keeps its level. Found by a review:
 * {"acr":{"essential":true,"values":["aal1"]}} on an aal2 session was answered with acr aal2.
 * Also when a floor (the account's role, the client's default_acr_values) made the sign-in reach
 * aal2: the floor decides what the person must do, the essential request what the token says
 * (5.5.1.1: one of its values), and a lower acr than was reached is true and only ever makes the
 * app ask for more. amr keeps every method used, and an installer's token is judged by it
 * (tokenAllowed in find-account.ts), so such a code is still redeemed.
 */
function reportEssentialAcr(ctx: KoaContextWithOIDC, have: Acr | undefined): void {
  const { essential } = acrRequests(ctx);
  if (!essential) return;
  const report = essentialAcrToReport(have, requestedValues(essential));
  if (report !== undefined) Object.defineProperty(ctx.oidc, 'acr', { value: report, configurable: true });
}

export function interactionPolicyWithStepUp(aal2MaxAgeSeconds: number) {
  const { base, Check } = interactionPolicy;
  const policy = base();
  const login = policy.get('login');
  if (!login) throw new Error('oidc-provider has no login prompt');
  // The session's account no longer resolves (disabled or removed): sign in again, as with no
  // session. Without this the provider goes on to the consent checks with no account and fails.
  login.checks.add(new Check(ACCOUNT_UNAVAILABLE_REASON, 'the signed-in account is no longer available', 'login_required',
    (ctx) => (ctx.oidc.session?.accountId && !ctx.oidc.account ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT)), 0);
  // The built-in essential-acr checks demand an exact match, so an aal1 request on an aal2 session
  // would loop; ours treats a higher level as satisfying a lower one.
  login.checks.remove('essential_acrs');
  login.checks.remove('essential_acr');
  login.checks.add(new Check(STEP_UP_REASON, 'the requested authentication level is higher than the session\'s', 'login_required',
    (ctx) => {
      downgradeAgedSession(ctx, aal2MaxAgeSeconds);
      const have = sessionAcr(ctx, aal2MaxAgeSeconds);
      if (!satisfies(have, neededAcr(ctx))) return Check.REQUEST_PROMPT;
      reportEssentialAcr(ctx, have);
      return Check.NO_NEED_TO_PROMPT;
    },
    (ctx) => ({ requested_acr: neededAcr(ctx) ?? null })));
  return policy;
}
