// Maps our accounts to OIDC claims. acr/amr/auth_time are NOT returned here: the provider takes them
// from the session for the ID token, and claims() values would leak unchanged into userinfo.
import type { Account, AccountClaims } from 'oidc-provider';
import type { Role, User } from '../accounts/types.ts';
import { mustHaveTotp } from '../sign-in/policy.ts';

export function claimsFor(user: User): AccountClaims {
  return {
    sub: user.id,
    preferred_username: user.username,
    name: user.name,
    email: user.email,
    // Administrators type addresses in; nobody has proven they own the mailbox.
    email_verified: false,
    roles: [user.role],
  };
}

/** What the provider gets for an account; `mfaRequired` is read by the step-up check (step-up.ts). */
export interface IdpAccount extends Account {
  mfaRequired: boolean;
}

export function isIdpAccount(value: unknown): value is IdpAccount {
  return typeof value === 'object' && value !== null && typeof (value as { mfaRequired?: unknown }).mfaRequired === 'boolean';
}

/**
 * May a token (a refresh token or code being redeemed) stand for this account? A role that must
 * use the second factor only accepts tokens from a sign-in that used two factors (RFC 8176 `mfa`
 * in its amr): someone made an installer after signing in with the password alone keeps no way in
 * through what that sign-in gave them. The methods decide, not the acr: an essential request for
 * aal1 gets a token saying aal1 (OIDC Core 5.5.1.1, step-up.ts) from an installer's two-factor
 * sign-in, and that token stands. Access tokens carry neither; they live an hour at most
 * (ttl.AccessToken).
 */
export function tokenAllowed(mfaRequired: boolean, token: unknown): boolean {
  if (!mfaRequired || typeof token !== 'object' || token === null || !('acr' in token)) return true;
  const amr = (token as { amr?: unknown }).amr;
  return Array.isArray(amr) && amr.includes('mfa');
}

export function createFindAccount(findById: (id: string) => Promise<User | undefined>, requiredRoles: readonly Role[]) {
  return async (_ctx: unknown, sub: string, token?: unknown): Promise<IdpAccount | undefined> => {
    const user = await findById(sub);
    // A disabled account stops resolving, so its refresh tokens and userinfo calls fail too.
    if (!user || user.disabled) return undefined;
    const mfaRequired = mustHaveTotp(user.role, requiredRoles);
    if (!tokenAllowed(mfaRequired, token)) return undefined;
    return { accountId: user.id, mfaRequired, claims: () => claimsFor(user) };
  };
}
