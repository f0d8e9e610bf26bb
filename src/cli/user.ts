// `jullix-idp user ...`: create, list and show accounts, with their two-step verification. Changes
// to an existing account are in user-changes.ts. Every change writes an audit record (username,
// never the password).
import { z } from 'zod';
import { ROLES } from '../accounts/types.ts';
import { IdpError } from '../errors.ts';
import { commandGroup, defineCommand } from './command.ts';
import { withContext } from './context.ts';
import { printFields, printJson, printTable, userView, userWithTwoStep } from './output.ts';
import { twoStepStatuses } from './two-step.ts';
import { disableUser, enableUser, resetTwoStepCommand, setPassword, setRole, unlockUser } from './user-changes.ts';
import { emailSchema, nameSchema, passwordStdinFlag, readPassword, requireUser, roleSchema, usernameSchema } from './user-fields.ts';

const add = defineCommand({
  name: 'user add',
  summary: 'Create a user; the password is read from standard input',
  help: `
Usage: printf '%s' "$PASSWORD" | jullix-idp user add <username> --email <email> --name <name> --role <role> --password-stdin [--json]

Create a user. Usernames are 1-64 letters, digits and . _ - @, unique ignoring case.

Options:
  --email <email>     email address (also accepted at sign-in; must be unique)
  --name <name>       display name, shown in apps
  --role <role>       ${ROLES.join(' | ')}
  --password-stdin    read the password from standard input (8-1024 characters,
                      no control characters; one trailing newline is removed)
  --json              print the new user as JSON`,
  options: { email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
  positionals: ['username'],
  schema: z.object({ username: usernameSchema, email: emailSchema, name: nameSchema, role: roleSchema, 'password-stdin': passwordStdinFlag }),
  async run(args, { json, io }) {
    const password = await readPassword(io, 'user add');
    await withContext(io, async (ctx) => {
      const existing = await ctx.accounts.findByUsername(args.username);
      if (existing) throw new IdpError('conflict', `a user named "${existing.username}" already exists (usernames are compared ignoring case)`);
      const passwordHash = await ctx.hasher.hash(password);
      const user = await ctx.accounts.create({ username: args.username, email: args.email, name: args.name, role: args.role, passwordHash });
      await ctx.audit.record({ event: 'user.created', userId: user.id, username: user.username, detail: { ...ctx.actor, role: user.role } });
      if (json) printJson(io, userView(user));
      else io.out(`Created user ${user.username} (${user.role}), id ${user.id}.`);
    }, { mayCreateDatabase: true });
  },
});

const list = defineCommand({
  name: 'user list',
  summary: 'List users, optionally by role or only those without two-step verification',
  help: `
Usage: jullix-idp user list [--role <role>] [--without-2fa] [--json]

Each user is shown with their two-step verification: whether they have an authenticator
app (TOTP) and how many unused recovery codes they have left.

Options:
  --role <role>    only users with this role: ${ROLES.join(' | ')}
  --without-2fa    only users who have not set up an authenticator app (TOTP) yet
  --json           print a JSON array`,
  options: { role: { type: 'string' }, 'without-2fa': { type: 'boolean' } },
  schema: z.object({ role: roleSchema.optional(), 'without-2fa': z.boolean().default(false) }),
  async run(args, { json, io }) {
    await withContext(io, async (ctx) => {
      const accounts = await ctx.accounts.list(args.role === undefined ? {} : { role: args.role });
      const twoStep = await twoStepStatuses(ctx.db);
      const users = accounts.map((u) => userWithTwoStep(u, twoStep.of(u.id))).filter((u) => !(args['without-2fa'] && u.totp));
      if (json) return printJson(io, users);
      if (users.length === 0) {
        return io.out(`No users${args.role === undefined ? '' : ` with role ${args.role}`}${args['without-2fa'] ? ' without two-step verification' : ''}.`);
      }
      printTable(io, ['USERNAME', 'ROLE', 'STATUS', 'TOTP', 'RECOVERY CODES', 'EMAIL', 'NAME', 'CREATED'], users.map((u) => [
        u.username, u.role, u.disabled ? 'disabled' : 'active', u.totp ? 'yes' : 'no', String(u.recoveryCodesLeft), u.email, u.name, u.createdAt,
      ]));
    });
  },
});

const show = defineCommand({
  name: 'user show',
  summary: 'Show one user',
  help: `
Usage: jullix-idp user show <username> [--json]

Shows the account and its two-step verification: whether the user has an authenticator
app (TOTP) and how many unused recovery codes they have left.

Options:
  --json   print a JSON object`,
  options: {},
  positionals: ['username'],
  schema: z.object({ username: usernameSchema }),
  async run(args, { json, io }) {
    await withContext(io, async (ctx) => {
      const account = await requireUser(ctx, args.username);
      const user = userWithTwoStep(account, (await twoStepStatuses(ctx.db, account.id)).of(account.id));
      if (json) return printJson(io, user);
      printFields(io, [
        ['Username', user.username], ['Id', user.id], ['Email', user.email], ['Name', user.name],
        ['Role', user.role], ['Status', user.disabled ? 'disabled' : 'active'], ['Created', user.createdAt],
        ['Authenticator app', user.totp ? 'yes (TOTP)' : 'not set up'], ['Recovery codes', `${user.recoveryCodesLeft} unused`],
      ]);
    });
  },
});

export const userCommands = commandGroup('user', 'Manage user accounts', {
  add, list, show,
  'set-password': setPassword,
  disable: disableUser,
  enable: enableUser,
  'set-role': setRole,
  'reset-2fa': resetTwoStepCommand,
  unlock: unlockUser,
});
