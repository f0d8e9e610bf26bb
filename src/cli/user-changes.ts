// `jullix-idp user set-password | disable | enable | set-role | reset-2fa`: changes to an existing
// account. A change that would do nothing says so and writes no audit record.
import { z } from 'zod';
import { ROLES } from '../accounts/types.ts';
import type { User } from '../accounts/types.ts';
import type { CliIo } from './command.ts';
import { defineCommand } from './command.ts';
import { withContext, type CliContext } from './context.ts';
import { createAccountStore, type AccountStore } from '../accounts/store.ts';
import { createAuditLog, type AuditDetail, type AuditEvent } from '../audit/log.ts';
import { signedOutDetail, signOutEverywhere, type SignedOut } from '../provider/account-sign-out.ts';
import { mustHaveTotp } from '../sign-in/policy.ts';
import { throttleKey, type ThrottleFactor } from '../security/throttle-policy.ts';
import { deviceKeysOf } from '../sign-in/throttle-buckets.ts';
import { printJson, userView, userWithTwoStep } from './output.ts';
import { resetTwoStep } from './two-step.ts';
import { passwordStdinFlag, readPassword, requireUser, roleSchema, usernameSchema } from './user-fields.ts';

/** The per-account counters sign-in keeps (src/sign-in/throttle-buckets.ts): password and second factor. */
const ACCOUNT_THROTTLE_FACTORS: readonly ThrottleFactor[] = ['pwd', 'otp'];

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** What an operator is told a sign-out ended, and how many apps the server is to tell of it. */
function signedOutText(out: SignedOut): string {
  const queued = out.logoutsQueued > 0 ? `; the server tells ${plural(out.logoutsQueued, 'app')} by back-channel logout` : '';
  return `signed out everywhere (${plural(out.sessions.length, 'session')} ended, ${plural(out.tokens, 'token')} revoked${queued})`;
}

/**
 * The account change, the sign-out and the audit record in one transaction, the change (a write)
 * first so SQLite's write lock is held before anything is read: either all of them happen or none,
 * and a retry finds the account as it was (a failed sign-out after a committed disable would
 * otherwise leave the tokens, and the retry would answer "already disabled").
 */
async function changeAndSignOut(ctx: CliContext, user: User, change: (accounts: AccountStore) => Promise<void>, event: AuditEvent, detail: AuditDetail, signOut: true): Promise<SignedOut>;
async function changeAndSignOut(ctx: CliContext, user: User, change: (accounts: AccountStore) => Promise<void>, event: AuditEvent, detail: AuditDetail, signOut?: boolean): Promise<SignedOut | undefined>;
async function changeAndSignOut(ctx: CliContext, user: User, change: (accounts: AccountStore) => Promise<void>, event: AuditEvent, detail: AuditDetail, signOut = true): Promise<SignedOut | undefined> {
  return ctx.db.transaction(async (trx) => {
    await change(createAccountStore(trx, ctx.clock));
    const out = signOut ? await signOutEverywhere(trx, ctx.clock, user.id) : undefined;
    await createAuditLog(trx, ctx.clock).record({ event, userId: user.id, username: user.username, detail: { ...ctx.actor, ...detail, ...(out ? signedOutDetail(out) : {}) } });
    return out;
  });
}

function report(io: CliIo, json: boolean, user: User, message: string): void {
  if (json) printJson(io, userView(user));
  else io.out(message);
}

export const setPassword = defineCommand({
  name: 'user set-password',
  summary: 'Replace a user\'s password; read from standard input',
  help: `
Usage: printf '%s' "$PASSWORD" | jullix-idp user set-password <username> --password-stdin [--json]

Also signs the user out everywhere: their sessions end, sign-ins under way cannot finish, and
the refresh and access tokens apps hold for them stop working. Apps sign them in again; those
with back-channel logout are told by the running server (queued if none runs yet).

Options:
  --password-stdin   read the new password from standard input (8-1024 characters,
                     no control characters; one trailing newline is removed)
  --json             print the user as JSON`,
  options: { 'password-stdin': { type: 'boolean' } },
  positionals: ['username'],
  schema: z.object({ username: usernameSchema, 'password-stdin': passwordStdinFlag }),
  async run(args, { json, io }) {
    const password = await readPassword(io, 'user set-password');
    await withContext(io, async (ctx) => {
      const user = await requireUser(ctx, args.username);
      const hash = await ctx.hasher.hash(password);
      // The new hash first: a sign-in with the old password that starts later fails at the password
      // step, one that passed it before is ended here, and one in between is refused at its finish.
      const out = await changeAndSignOut(ctx, user, (accounts) => accounts.setPasswordHash(user.id, hash), 'user.password_set', {}, true);
      report(io, json, user, `Password set for ${user.username}; ${signedOutText(out)}.`);
    });
  },
});

const DISABLE_HELP = `A disabled user cannot sign in, and is signed out everywhere as set-password does: their
sessions end and the refresh and access tokens apps hold for them stop working (introspection
says inactive).`;

function disabledCommand(disable: boolean) {
  const verb = disable ? 'disable' : 'enable';
  return defineCommand({
    name: `user ${verb}`,
    summary: disable ? 'Stop a user from signing in (their tokens stop working too)' : 'Allow a disabled user to sign in again',
    help: `
Usage: jullix-idp user ${verb} <username> [--json]

${disable ? DISABLE_HELP : 'Re-enable a disabled user.'}

Options:
  --json   print the user as JSON`,
    options: {},
    positionals: ['username'],
    schema: z.object({ username: usernameSchema }),
    async run(args, { json, io }) {
      await withContext(io, async (ctx) => {
        const user = await requireUser(ctx, args.username);
        if (user.disabled === disable) return report(io, json, user, `${user.username} is already ${verb}d.`);
        // The server refuses a disabled account's sessions and refresh tokens already, but token
        // introspection never asks about the account: a resource server would go on accepting them.
        const out = await changeAndSignOut(ctx, user, (accounts) => accounts.setDisabled(user.id, disable), disable ? 'user.disabled' : 'user.enabled', {}, disable);
        report(io, json, { ...user, disabled: disable }, `${user.username} is now ${verb}d${out ? `; ${signedOutText(out)}` : ''}.`);
      });
    },
  });
}

export const disableUser = disabledCommand(true);
export const enableUser = disabledCommand(false);

export const setRole = defineCommand({
  name: 'user set-role',
  summary: 'Change a user\'s role',
  help: `
Usage: jullix-idp user set-role <username> <role> [--json]

Roles: ${ROLES.join(' | ')}

A role that must use two-step verification (MFA_REQUIRED_ROLES) given to someone whose role did
not also signs them out everywhere, as set-password does: what they signed in to with the
password alone (sessions, the apps' tokens) ends, and the next sign-in asks for the second factor.

Options:
  --json   print the user as JSON`,
  options: {},
  positionals: ['username', 'role'],
  schema: z.object({ username: usernameSchema, role: roleSchema }),
  async run(args, { json, io }) {
    await withContext(io, async (ctx) => {
      const user = await requireUser(ctx, args.username);
      if (user.role === args.role) return report(io, json, user, `${user.username} already has the role ${args.role}.`);
      // Sign-ins made with the password alone are not worth what the new role asks for. The server
      // already refuses their sessions and refresh tokens (step-up and findAccount), but an access
      // token carries no acr and would work at userinfo until it expires.
      const { requiredRoles } = ctx.config.mfa;
      const signOut = mustHaveTotp(args.role, requiredRoles) && !mustHaveTotp(user.role, requiredRoles);
      const out = await changeAndSignOut(ctx, user, (accounts) => accounts.setRole(user.id, args.role), 'user.updated', { field: 'role', from: user.role, to: args.role }, signOut);
      const signedOut = out ? `; ${signedOutText(out)}, as the role requires two-step verification` : '';
      report(io, json, { ...user, role: args.role }, `${user.username} now has the role ${args.role} (was ${user.role})${signedOut}.`);
    });
  },
});

export const resetTwoStepCommand = defineCommand({
  name: 'user reset-2fa',
  summary: 'Remove a user\'s authenticator app and recovery codes (a lost phone)',
  help: `
Usage: jullix-idp user reset-2fa <username> [--json]

Remove the user's two-step verification: their authenticator app (TOTP) and all their
recovery codes, and sign them out everywhere (sessions, sign-ins under way, the apps' refresh
and access tokens), so a session bought with the lost phone ends with it. Users whose role
requires it (MFA_REQUIRED_ROLES) set up a new app at their next sign-in; so can anyone who
knows the password: confirm who is asking before you reset.
Uses the server's data-encryption keys: DATA_ENCRYPTION_KEYS (and the other key variables)
in production, DATA_DIR/secrets.json otherwise.

Options:
  --json   print the user as JSON, as "user show --json" does after the reset`,
  options: {},
  positionals: ['username'],
  schema: z.object({ username: usernameSchema }),
  async run(args, { json, io }) {
    await withContext(io, async (ctx) => {
      const user = await requireUser(ctx, args.username);
      const removed = await resetTwoStep(ctx, user);
      if (json) return printJson(io, userWithTwoStep(user, { totp: false, recoveryCodesLeft: 0 }));
      if (removed === undefined) return io.out(`${user.username} has no two-step verification set up; nothing to reset.`);
      const codes = plural(removed.recoveryCodesLeft, 'unused recovery code');
      io.out(`Reset two-step verification for ${user.username}: removed ${removed.totp ? `the authenticator app (TOTP) and ${codes}` : codes}; ${signedOutText(removed.signedOut)}.`);
      io.out(mustHaveTotp(user.role, ctx.config.mfa.requiredRoles)
        ? `${user.username} (role ${user.role}) must set up a new authenticator app at the next sign-in.`
        : `${user.username} signs in with the password alone until they set up a new authenticator app (or an app requires one).`);
    });
  },
});

export const unlockUser = defineCommand({
  name: 'user unlock',
  summary: 'Clear a user\'s failed sign-in counters (after 100 failures an account waits 24 h)',
  help: `
Usage: jullix-idp user unlock <username> [--json]

Clears the account's counters of failed passwords and second-factor codes, those of the
browsers that signed in to it before included, so the next sign-in is checked at once. For a
person locked out by someone guessing (after 100 failures the account refuses sign-in for 24
hours): confirm who is asking first. Counters per client address are left alone; they reset on
their own within an hour.

Options:
  --json   print the user as JSON`,
  options: {},
  positionals: ['username'],
  schema: z.object({ username: usernameSchema }),
  async run(args, { json, io }) {
    await withContext(io, async (ctx) => {
      const user = await requireUser(ctx, args.username);
      const keys = ACCOUNT_THROTTLE_FACTORS.map((factor) => throttleKey(factor, 'acct', user.id));
      const cleared = await ctx.db('throttle').whereIn('key', keys).orWhere('key', 'like', deviceKeysOf(user.id)).delete();
      if (cleared === 0) return report(io, json, user, `${user.username} has no failed sign-ins counted; nothing to unlock.`);
      await ctx.audit.record({ event: 'user.unlocked', userId: user.id, username: user.username, detail: { ...ctx.actor, counters: cleared } });
      report(io, json, user, `Unlocked ${user.username}: cleared ${plural(cleared, 'failure counter')}.`);
    });
  },
});
