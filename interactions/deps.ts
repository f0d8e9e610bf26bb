// What the interaction pages need from the rest of the IdP, passed in by src/app.ts.
import type Provider from 'oidc-provider';
import type { AccountStore } from '../src/accounts/store.ts';
import type { AuditLog } from '../src/audit/log.ts';
import type { PasswordFactor } from '../src/factors/password.ts';
import type { PasswordHasher } from '../src/security/password-hashing.ts';
import type { Logger } from '../src/log.ts';

export interface InteractionDeps {
  provider: Provider;
  brand: string;
  /** The issuer's path ('' when the IdP sits at the root of its host). */
  basePath: string;
  cookieKeys: string[];
  password: PasswordFactor;
  hasher: PasswordHasher;
  accounts: AccountStore;
  audit: AuditLog;
  logger: Logger;
}
