// The account model shared by the store, the CLI, the provider's findAccount and the interactions.

export const ROLES = ['installer', 'customer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export interface User {
  id: string;
  username: string;
  email: string;
  name: string;
  role: Role;
  passwordHash: string;
  disabled: boolean;
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
