// What the interaction pages need from the rest of the IdP, passed in by src/app.ts.
import type Provider from 'oidc-provider';
import type { AccountStore } from '../src/accounts/store.ts';
import type { Role } from '../src/accounts/types.ts';
import type { AuditLog } from '../src/audit/log.ts';
import type { PasswordFactor } from '../src/factors/password.ts';
import type { RecoveryCodeStore } from '../src/factors/recovery-code-store.ts';
import type { TotpCredentialStore } from '../src/factors/totp-credentials.ts';
import type { Logger } from '../src/log.ts';
import type { Clock } from '../src/security/clock.ts';
import type { PasswordHasher } from '../src/security/password-hashing.ts';
import type { Throttle } from '../src/security/throttle.ts';
import type { SignInStateStore } from '../src/sign-in/state.ts';
import type { GrantRegistry } from '../src/provider/grants.ts';

export interface InteractionDeps {
  /** The current provider: read it per request, a signing-key rotation replaces it (src/app.ts). */
  provider: Provider;
  brand: string;
  /** The issuer's path ('' when the IdP sits at the root of its host). */
  basePath: string;
  cookieKeys: string[];
  /** Roles that must have TOTP (config mfa.requiredRoles). */
  requiredRoles: readonly Role[];
  clock: Clock;
  password: PasswordFactor;
  hasher: PasswordHasher;
  accounts: AccountStore;
  totp: TotpCredentialStore;
  recoveryCodes: RecoveryCodeStore;
  signInState: SignInStateStore;
  throttle: Throttle;
  /** Consent remembered across sessions (third-party apps). */
  grants: GrantRegistry;
  audit: AuditLog;
  logger: Logger;
}
