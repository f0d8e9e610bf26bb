// The rules for what an operator may type about a user, shared by the user commands, and the
// password read from standard input (never from argv, which other local users can see in ps).
import { z } from 'zod';
import { ROLES } from '../accounts/types.ts';
import { IdpError } from '../errors.ts';
import { hasControlCharacter } from '../factors/password.ts';
import { isCommonPassword } from '../security/common-passwords.ts';
import { readAll, UsageError, utf8Text } from './args.ts';
import type { CliIo } from './command.ts';
import type { CliContext } from './context.ts';

const required = (what: string) => ({ error: (issue: { input: unknown }) => (issue.input === undefined ? `is required (${what})` : undefined) });

export const usernameSchema = z.string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9._@-]+$/, 'may only contain letters, digits and . _ - @');

// Basic shape only: one @, a dot in the domain, no spaces. Ownership is never proven here.
export const emailSchema = z.string(required('an email address'))
  .max(254, 'must be at most 254 characters')
  .regex(/^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/, 'must be an email address such as alice@example.com');

export const nameSchema = z.string(required('the display name'))
  .trim()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'must not contain control characters');

export const roleSchema = z.enum(ROLES, { error: `must be one of: ${ROLES.join(', ')}` });

export const passwordStdinFlag = z.literal(true, {
  error: 'is required: the password is read from standard input, e.g. printf \'%s\' "$PASSWORD" | jullix-idp ...',
});

// NIST SP 800-63B §5.1.1.2: at least 8 characters, allow long passphrases, refuse common ones; the cap bounds hashing work.
export const MIN_PASSWORD = 8;
export const MAX_PASSWORD = 1024;

/** Reads the password from stdin: one trailing newline removed, length checked in characters. */
export async function readPassword(io: CliIo, command: string): Promise<string> {
  if (io.stdin.isTTY === true) {
    throw new UsageError('--password-stdin reads a piped password; it will not read one typed into the terminal, where it would be echoed', command);
  }
  // 4 bytes per character is UTF-8's worst case; anything longer is refused without buffering it all.
  const bytes = await readAll(io.stdin, MAX_PASSWORD * 4 + 2);
  if (bytes === undefined) throw new UsageError(`the password must be at most ${MAX_PASSWORD} characters`, command);
  const raw = utf8Text(bytes);
  if (raw === undefined) throw new UsageError('the password on standard input is not UTF-8 text: pipe it from a UTF-8 terminal or file (e.g. iconv -t UTF-8)', command);
  const password = raw.replace(/\r?\n$/, '');
  const length = [...password].length;
  if (length === 0) throw new UsageError('no password on standard input', command);
  if (hasControlCharacter(password)) {
    throw new UsageError('the password must not contain control characters such as NUL, Tab or a line break (one trailing newline is dropped): none can be typed on the sign-in page', command);
  }
  if (length < MIN_PASSWORD) throw new UsageError(`the password must be at least ${MIN_PASSWORD} characters (got ${length})`, command);
  if (length > MAX_PASSWORD) throw new UsageError(`the password must be at most ${MAX_PASSWORD} characters`, command);
  if (isCommonPassword(password)) {
    throw new UsageError('the password is on the list of the 10 000 most common passwords (NIST SP 800-63B): choose another, e.g. a few unrelated words', command);
  }
  return password;
}

/** The user by username (case-insensitively), or a not_found error naming it. */
export async function requireUser(ctx: CliContext, username: string) {
  const user = await ctx.accounts.findByUsername(username);
  if (user === undefined) throw new IdpError('not_found', `no user named "${username}"`);
  return user;
}
