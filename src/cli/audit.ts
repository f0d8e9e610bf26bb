// `jullix-idp audit`: the security audit trail, newest first, for everyone or one user. What a
// visitor typed can end up in an entry, so control characters are escaped before they reach the
// operator's terminal.
import { z } from 'zod';
import type { AuditDetail, AuditEntry } from '../audit/log.ts';
import { defineCommand } from './command.ts';
import { withContext } from './context.ts';
import { printable, printJson, printTable } from './output.ts';
import { requireUser, usernameSchema } from './user-fields.ts';

const LIMIT_RULE = 'must be a whole number from 1 to 1000';

export interface AuditEntryView {
  id: number;
  at: string;
  event: string;
  userId: string | null;
  username: string | null;
  ip: string | null;
  clientId: string | null;
  detail: AuditDetail | null;
}

function entryView(entry: AuditEntry): AuditEntryView {
  const { id, event, userId, username, ip, clientId, detail } = entry;
  return { id, at: entry.at.toISOString(), event, userId, username, ip, clientId, detail };
}

/** `key=value key2="with space"`: a value is quoted (as JSON) when it would not read as one word. */
export function detailText(detail: AuditDetail | null): string {
  if (detail === null) return '';
  return Object.entries(detail).map(([key, value]) => {
    const text = typeof value === 'string' && (value === '' || /[\s"'=\\]/.test(value)) ? JSON.stringify(value) : String(value);
    return `${printable(key)}=${printable(text)}`;
  }).join(' ');
}

export const auditCommand = defineCommand({
  name: 'audit',
  summary: 'Show the audit trail, newest first',
  help: `
Usage: jullix-idp audit [--user <username>] [--limit <n>] [--json]

Show the audit trail, newest first: sign-ins and failures, two-step verification, and every
change made with this command (detail via=cli and the operator's osUser).

Options:
  --user <username>   only entries about this user
  --limit <n>         at most n entries, 1-1000 (default 100)
  --json              print a JSON array of {"id", "at", "event", "userId", "username",
                      "ip", "clientId", "detail"}`,
  options: { user: { type: 'string' }, limit: { type: 'string' } },
  schema: z.object({
    user: usernameSchema.optional(),
    limit: z.string().regex(/^\d{1,4}$/, LIMIT_RULE).transform(Number).pipe(z.number().min(1, LIMIT_RULE).max(1000, LIMIT_RULE)).default(100),
  }),
  async run(args, { json, io }) {
    await withContext(io, async (ctx) => {
      const user = args.user === undefined ? undefined : await requireUser(ctx, args.user);
      const entries = (await ctx.audit.list({ ...(user === undefined ? {} : { userId: user.id }), limit: args.limit })).map(entryView);
      if (json) return printJson(io, entries);
      if (entries.length === 0) return io.out(user === undefined ? 'No audit entries.' : `No audit entries for ${user.username}.`);
      const cell = (value: string | null) => (value === null ? '-' : printable(value));
      printTable(io, ['TIME', 'EVENT', 'USER', 'IP', 'CLIENT', 'DETAIL'], entries.map((e) => [
        e.at, e.event, cell(e.username), cell(e.ip), cell(e.clientId), detailText(e.detail),
      ]));
    });
  },
});
