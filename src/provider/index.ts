// Builds the oidc-provider instance from the validated config and injected dependencies.
import Provider, { type JWK } from 'oidc-provider';
import type { Knex } from 'knex';
import type { AccountStore } from '../accounts/store.ts';
import type { Config } from '../config/schema.ts';
import type { Secrets } from '../config/secrets.ts';
import type { Clock } from '../security/clock.ts';
import { absoluteEndMs } from '../sign-in/session-lifetime.ts';
import { createAdapterClass } from './adapter.ts';
import { providerConfiguration, type ProviderPages } from './configuration.ts';
import { createFindAccount } from './find-account.ts';
import { createGrantRegistry } from './grants.ts';

export interface ProviderDeps {
  config: Config;
  secrets: Secrets;
  /** The signing keys to build with (they change on rotation; secrets.jwks may be undefined). */
  jwks: { keys: JWK[] };
  db: Knex;
  clock: Clock;
  accounts: AccountStore;
  pages: ProviderPages;
}

export function createProvider(deps: ProviderDeps): Provider {
  const provider = new Provider(deps.config.issuer, providerConfiguration({
    config: deps.config,
    secrets: deps.secrets,
    jwks: deps.jwks,
    adapter: createAdapterClass(deps.db, deps.clock, {
      sessionEndsAt: (session) => absoluteEndMs(deps.config.sessions, typeof session.loginTs === 'number' ? session.loginTs : undefined),
    }),
    findAccount: createFindAccount((id) => deps.accounts.findById(id), deps.config.mfa.requiredRoles),
    pages: deps.pages,
    grants: createGrantRegistry(deps.db, deps.clock),
    clock: deps.clock,
  }));
  // Behind a TLS-terminating proxy, endpoint URLs and Secure cookies follow X-Forwarded-Proto.
  provider.proxy = deps.config.trustProxy;
  return provider;
}
