// The account model shared by the store, the CLI, the provider's findAccount and the interactions.

export const ROLES = ['installer', 'customer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/**
 * Whether `value` has the shape of an account id (a UUID the store made). Checked where an id is put
 * into a LIKE pattern (the sign-out's payload match, the unlock's device keys): a UUID holds no
 * wildcard, so the pattern matches exactly that account.
 */
export function isAccountId(value: string): boolean {
  return /^[0-9a-f-]{36}$/i.test(value);
}

export interface User {
  id: string;
  username: string;
  email: string;
  name: string;
  role: Role;
  passwordHash: string;
  disabled: boolean;
  /**
   * How many times the account was signed out everywhere (signOutEverywhere bumps it): a sign-in
   * finishes only under the count it began under (src/provider/sign-out-guard.ts).
   */
  signOutEpoch: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewUser {
  username: string;
  email: string;
  name: string;
  role: Role;
  passwordHash: string;
}
