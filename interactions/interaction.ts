// Loading an interaction for a request: the cookie-bound details, checked against the URL and the
// step the handler expects (STYLE habit 5). oidc-provider reads the uid from the cookie only.
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { errors, type InteractionResults } from 'oidc-provider';
import { IdpError } from '../src/errors.ts';
import { validateHttpsUrl } from '../src/provider/redirect-uris.ts';
import { SignedOutDuringSignIn } from '../src/provider/sign-out-guard.ts';

export type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

export async function loadInteraction(ctx: Context, provider: Provider, uid: string, expectedPrompt?: 'login' | 'consent'): Promise<InteractionDetails> {
  let details: InteractionDetails;
  try {
    details = await provider.interactionDetails(ctx.req, ctx.res);
  } catch (err) {
    if (err instanceof errors.SessionNotFound) throw new IdpError('interaction_expired', 'interaction not found for this browser', { cause: err });
    throw err;
  }
  if (details.uid !== uid) throw new IdpError('interaction_expired', 'interaction cookie does not match the URL');
  if (expectedPrompt && details.prompt.name !== expectedPrompt) {
    throw new IdpError('wrong_step', `expected the ${expectedPrompt} step, interaction is at ${details.prompt.name}`);
  }
  return details;
}

/**
 * Stores the interaction's result and sends the browser back to the provider (303), as
 * `provider.interactionFinished` does (oidc-provider's `interactionResult`), but on the interaction
 * this request has already loaded and checked: the provider's helper reads the cookie, the
 * interaction and its session again, one more statement per finished step.
 * `merge`: keep what earlier steps of this interaction submitted (the consent step keeps the login).
 */
/**
 * Saves the result and sends the browser to resume. The caller has checked that the sign-in may
 * finish before this save (finish.ts): a check after it left a resume fired in between a result no
 * check had passed. `after`, when given, runs after the save and before the browser is told (the
 * audit records): if it throws, the interaction is ended (the resume finds nothing) and the error
 * is what the person sees.
 */
export async function finishInteraction(ctx: Context, details: InteractionDetails, result: InteractionResults, opts: { merge: boolean; after?: () => Promise<void> }): Promise<void> {
  details.result = opts.merge && !('error' in result) ? { ...details.lastSubmission, ...result } : result;
  // The provider's own clock, as in its helper: the interaction expires on the provider's time.
  try {
    await details.save(details.exp - Math.floor(Date.now() / 1000));
  } catch (err) {
    // The save of a login result writes nothing once the account was signed out since the sign-in
    // began (src/provider/sign-out-guard.ts), or once the interaction ended (another request resumed it).
    // Ended, so the person starts again from the app instead of meeting this step once more.
    if (err instanceof SignedOutDuringSignIn) {
      await details.destroy();
      throw new IdpError('signed_out', 'the account was signed out during this sign-in', { cause: err });
    }
    if (err instanceof errors.SessionNotFound) throw new IdpError('interaction_expired', 'the interaction ended before this step finished', { cause: err });
    throw err;
  }
  if (opts.after) {
    try {
      await opts.after();
    } catch (err) {
      await details.destroy();
      throw err;
    }
  }
  ctx.respond = false;
  ctx.res.statusCode = 303;
  ctx.res.setHeader('Location', details.returnTo);
  ctx.res.setHeader('Content-Length', '0');
  ctx.res.end();
}

/**
 * Only https URLs from client metadata are shown as links or images (no javascript:, no data:, no
 * "user@host" that disguises the real host): the same rule as for operator-registered apps.
 */
function httpsOnly(value: unknown): string | undefined {
  return typeof value === 'string' && validateHttpsUrl(value).ok ? value : undefined;
}

export async function clientName(provider: Provider, clientId: unknown): Promise<{ name: string; uri?: string | undefined; logo?: string | undefined }> {
  const client = typeof clientId === 'string' ? await provider.Client.find(clientId) : undefined;
  return { name: client?.clientName ?? (typeof clientId === 'string' ? clientId : '?'), uri: httpsOnly(client?.clientUri), logo: httpsOnly(client?.logoUri) };
}

export function uiLocales(details: InteractionDetails): string | undefined {
  const v = details.params.ui_locales;
  return typeof v === 'string' ? v : undefined;
}

/** When our sign-in state for this interaction should expire: with the interaction, on our clock. */
export function stateExpiry(nowMs: number, details: InteractionDetails): number {
  const lifetimeSeconds = Math.max(0, details.exp - (details.iat ?? details.exp));
  return nowMs + lifetimeSeconds * 1000;
}
