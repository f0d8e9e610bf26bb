// Dynamic Client Registration (RFC 7591/7592) in the audit trail, as the CLI's client changes are:
// which registration token made which app, and when a registrant changed or deleted it. Before, an
// operator told to remove the apps a leaked token registered (registration-token revoke --help)
// had nothing to find them by (operator review).
import type Provider from 'oidc-provider';
import type { AuditLog } from '../audit/log.ts';
import type { Logger } from '../log.ts';

/** How a registration token is named everywhere but at its creation: its first characters. */
export const tokenFingerprint = (value: string): string => `${value.slice(0, 6)}…`;

interface RegistrationContext { ip?: string; body?: unknown; oidc?: { entities?: { InitialAccessToken?: { jti?: unknown } } } }
interface RegisteredClient { clientId: string; clientName?: string | undefined }

export function auditRegistrations(provider: Provider, audit: AuditLog, logger: Logger): void {
  const record = (event: 'client.created' | 'client.updated' | 'client.removed', ctx: RegistrationContext, client: RegisteredClient) => {
    const jti = ctx.oidc?.entities?.InitialAccessToken?.jti;
    // On update the event carries the client as it was; the answer holds it as it is now.
    const answered = typeof ctx.body === 'object' && ctx.body !== null ? (ctx.body as { client_name?: unknown }).client_name : undefined;
    const name = typeof answered === 'string' ? answered : client.clientName;
    const detail = { via: 'registration', ...(name ? { name } : {}), ...(typeof jti === 'string' ? { registrationToken: tokenFingerprint(jti) } : {}) };
    // The provider's events do not wait: a failed write is logged, the registrant's answer stands.
    audit.record({ event, clientId: client.clientId, ...(ctx.ip ? { ip: ctx.ip } : {}), detail }).catch((err: unknown) => {
      logger.error('audit record of a registration failed', { event, clientId: client.clientId, error: err instanceof Error ? err : String(err) });
    });
  };
  provider.on('registration_create.success', (ctx: RegistrationContext, client: RegisteredClient) => record('client.created', ctx, client));
  provider.on('registration_update.success', (ctx: RegistrationContext, client: RegisteredClient) => record('client.updated', ctx, client));
  provider.on('registration_delete.success', (ctx: RegistrationContext, client: RegisteredClient) => record('client.removed', ctx, client));
}
