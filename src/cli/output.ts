// How commands print: JSON for scripts, aligned text for people. userView decides what of an
// account may leave the process: never the password hash.
import type { User } from '../accounts/types.ts';
import type { CliIo } from './command.ts';
import type { TwoStepStatus } from './two-step.ts';

export interface UserView {
  id: string;
  username: string;
  email: string;
  name: string;
  role: string;
  disabled: boolean;
  createdAt: string;
}

export function userView(user: User): UserView {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    name: user.name,
    role: user.role,
    disabled: user.disabled,
    createdAt: user.createdAt.toISOString(),
  };
}

/** A user as `user show`, `user list` and `user reset-2fa` print it: with their second factors. */
export type UserWithTwoStep = UserView & TwoStepStatus;

export function userWithTwoStep(user: User, twoStep: TwoStepStatus): UserWithTwoStep {
  return { ...userView(user), totp: twoStep.totp, recoveryCodesLeft: twoStep.recoveryCodesLeft };
}

/** Control and format characters (ESC, bidi overrides, ...) as \u{..}, so text shows as stored. */
export function printable(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}]/gu, (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`);
}

export function printJson(io: CliIo, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

/** "label:  value" lines with the values aligned; array values go one per line. */
export function printFields(io: CliIo, fields: Array<[string, string | string[]]>): void {
  const width = Math.max(...fields.map(([label]) => label.length)) + 2;
  for (const [label, value] of fields) {
    const values = Array.isArray(value) ? (value.length === 0 ? ['(none)'] : value) : [value];
    values.forEach((v, i) => io.out(`${(i === 0 ? `${label}:` : '').padEnd(width)}${v}`));
  }
}

/** A plain table with a header row; columns sized to their widest cell. */
export function printTable(io: CliIo, headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  io.out(line(headers));
  for (const row of rows) io.out(line(row));
}
