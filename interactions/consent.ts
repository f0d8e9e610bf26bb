// Consent for third-party apps, and the cancel action that sends the app access_denied.
import type { Context } from 'koa';
import { csrfToken } from './csrf.ts';
import type { InteractionDeps } from './deps.ts';
import { readForm, pageContext, sendHtml } from './http.ts';
import { clientName, finishInteraction, loadInteraction, uiLocales, type InteractionDetails } from './interaction.ts';
import { requireCsrf } from './guards.ts';
import { consentPage } from './views/consent.ts';
import { claimsParameterNames, releasedScopes } from '../src/provider/claims.ts';

export async function showConsent(ctx: Context, deps: InteractionDeps, details: InteractionDetails): Promise<void> {
  const page = pageContext(ctx, deps.brand, deps.basePath, uiLocales(details));
  const app = await clientName(deps.provider, details.params.client_id);
  const account = details.session?.accountId ? await deps.accounts.findById(details.session.accountId) : undefined;
  const base = `${deps.basePath}/interaction/${details.uid}`;
  // What approving releases: the scopes asked for, and the scope of each claim asked for on its own
  // through the claims parameter (found by a review: those were released without being shown).
  const missing = details.prompt.details as { missingOIDCClaims?: string[] };
  const scopes = releasedScopes(String(details.params.scope ?? 'openid').split(' '), [...(missing.missingOIDCClaims ?? []), ...claimsParameterNames(details.params.claims)]);
  sendHtml(ctx, 200, consentPage(page, {
    action: `${base}/consent`, cancelAction: `${base}/abort`, csrf: csrfToken(deps.cookieKeys, details.uid),
    appName: app.name, appUri: app.uri, appLogo: app.logo, user: account?.username ?? '', scopes,
  }));
}

export async function submitConsent(ctx: Context, deps: InteractionDeps, uid: string): Promise<void> {
  const details = await loadInteraction(ctx, deps.provider, uid, 'consent');
  requireCsrf(deps, uid, await readForm(ctx));
  const { provider } = deps;
  const accountId = details.session?.accountId;
  const clientId = String(details.params.client_id);
  const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId, clientId });
  if (!grant) throw new Error('grant referenced by the interaction is gone');
  const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
  const grantId = await grant.save();
  if (accountId) await deps.grants.remember(accountId, clientId, grantId);
  await deps.audit.record({ event: 'consent.given', userId: accountId, ip: ctx.ip, clientId });
  await finishInteraction(ctx, details, { consent: { grantId } }, { merge: true });
}

export async function submitAbort(ctx: Context, deps: InteractionDeps, uid: string): Promise<void> {
  const details = await loadInteraction(ctx, deps.provider, uid);
  requireCsrf(deps, uid, await readForm(ctx));
  await finishInteraction(ctx, details, {
    error: 'access_denied', error_description: 'the person cancelled the sign-in',
  }, { merge: false });
}
