// Maps our accounts to OIDC claims. acr/amr/auth_time are NOT returned here: the provider takes them
// from the session for the ID token, and claims() values would leak unchanged into userinfo.
import type { Account, AccountClaims } from 'oidc-provider';
import type { User } from '../accounts/types.ts';

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

export function createFindAccount(findById: (id: string) => Promise<User | undefined>) {
  return async (_ctx: unknown, sub: string): Promise<Account | undefined> => {
    const user = await findById(sub);
    // A disabled account stops resolving, so its refresh tokens and userinfo calls fail too.
    if (!user || user.disabled) return undefined;
    return { accountId: user.id, claims: () => claimsFor(user) };
  };
}
