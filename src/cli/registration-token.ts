// `jullix-idp registration-token ...`: the initial access tokens a developer needs to register an app
// through Dynamic Client Registration (POST <issuer>/reg, RFC 7591). A token is printed once, when
// it is made; afterwards, and in the audit trail, only its fingerprint.
import { z } from 'zod';
import { THIRD_PARTY_POLICY } from '../provider/client-metadata.ts';
import { commandGroup, defineCommand } from './command.ts';
import { withContext } from './context.ts';
import { formatDuration, parseDuration } from './duration.ts';
import { defaultIssuerNotice } from './issuer-notice.ts';
import { printFields, printJson, printTable } from './output.ts';

const MAX_SECONDS = 90 * 86400;
const DURATION_RULE = 'must be a duration such as 30m, 12h, 7d, 3600s or plain seconds, at most 90d';

const expiresIn = z.string().transform((text, ctx) => {
  const seconds = parseDuration(text);
  if (seconds === undefined || seconds > MAX_SECONDS) ctx.addIssue({ code: 'custom', message: `"${text}" ${DURATION_RULE}` });
  return seconds ?? 0;
});

const create = defineCommand({
  name: 'registration-token create',
  summary: 'Make a token that lets a developer register one or more apps',
  help: `
Usage: jullix-idp registration-token create [--expires-in <duration>] [--json]

Make an initial access token for Dynamic Client Registration: with it, a developer registers
their app at POST <issuer>/reg (RFC 7591), sending "Authorization: Bearer <token>". Apps
registered this way are third-party: users are asked for consent. The token can be used
until it expires or is revoked; it is printed only this once. The endpoint printed is built
from this command's ISSUER: set it as the server has it.

Options:
  --expires-in <duration>   how long the token works: 30m, 12h, 7d, 3600s or plain seconds
                            (default 24h, at most 90d)
  --json                    print {"token", "fingerprint", "created_at", "expires_at", "policies",
                            "registration_endpoint"}`,
  options: { 'expires-in': { type: 'string' } },
  schema: z.object({ 'expires-in': expiresIn.optional() }),
  async run(args, { json, io }) {
    const seconds = args['expires-in'] ?? 86400;
    await withContext(io, async (ctx) => {
      const { issueRegistrationToken } = await import('./registration-tokens.ts');
      const { value, view } = await issueRegistrationToken(await ctx.provider(), ctx.db, seconds);
      await ctx.audit.record({
        event: 'registration_token.created',
        detail: { ...ctx.actor, fingerprint: view.fingerprint, expiresAt: view.expires_at, policy: THIRD_PARTY_POLICY },
      });
      const endpoint = `${ctx.config.issuer}/reg`;
      io.err('The registration token is shown only this once: whoever holds it can register apps until it expires.');
      const assumed = defaultIssuerNotice(ctx.config.issuer, ctx.config.port, `The registration endpoint ${endpoint}`);
      if (assumed !== undefined) io.err(assumed);
      if (json) return printJson(io, { token: value, ...view, registration_endpoint: endpoint });
      io.out(`Made a registration token, valid for ${formatDuration(seconds)}.`);
      printFields(io, [
        ['Token', value], ['Fingerprint', view.fingerprint], ['Expires', view.expires_at ?? 'never'],
        ['Policy', view.policies.join(', ')], ['Register at', `POST ${endpoint} with "Authorization: Bearer <token>"`],
      ]);
    }, { mayCreateDatabase: true });
  },
});

const list = defineCommand({
  name: 'registration-token list',
  summary: 'List unexpired registration tokens (fingerprints only)',
  help: `
Usage: jullix-idp registration-token list [--json]

Unexpired tokens, newest first, each by its fingerprint (the first 6 characters): the whole
token is never shown again.

Options:
  --json   print a JSON array of {"fingerprint", "created_at", "expires_at", "policies"}`,
  options: {},
  schema: z.object({}),
  async run(_args, { json, io }) {
    await withContext(io, async (ctx) => {
      const { listRegistrationTokens } = await import('./registration-tokens.ts');
      const tokens = await listRegistrationTokens(ctx.db, ctx.clock);
      if (json) return printJson(io, tokens);
      if (tokens.length === 0) return io.out('No unexpired registration tokens.');
      printTable(io, ['FINGERPRINT', 'CREATED', 'EXPIRES', 'POLICIES'], tokens.map((t) => [
        t.fingerprint, t.created_at ?? '-', t.expires_at ?? 'never', t.policies.join(','),
      ]));
    });
  },
});

const revoke = defineCommand({
  name: 'registration-token revoke',
  summary: 'Stop a registration token from working',
  help: `
Usage: jullix-idp registration-token revoke <token-or-fingerprint> [--json]

Delete the token whose value starts with the given text: the whole token, or its fingerprint
as "registration-token list" shows it (at least 4 characters; a trailing "…" is ignored). When
more than one token matches, nothing is revoked and the matches are listed. Apps already
registered with the token stay: remove them with "jullix-idp client remove".

Options:
  --json   print the revoked token's {"fingerprint", "created_at", "expires_at", "policies"}`,
  options: {},
  positionals: ['token'],
  schema: z.object({
    token: z.string().trim().transform((s) => s.replace(/(…|\.\.\.)$/, ''))
      .pipe(z.string().regex(/^[A-Za-z0-9_-]{4,}$/, 'must be a token or at least its first 4 characters (letters, digits, - and _)')),
  }),
  async run(args, { json, io }) {
    await withContext(io, async (ctx) => {
      const { revokeRegistrationToken } = await import('./registration-tokens.ts');
      const view = await revokeRegistrationToken(ctx.db, ctx.clock, args.token);
      await ctx.audit.record({ event: 'registration_token.revoked', detail: { ...ctx.actor, fingerprint: view.fingerprint } });
      if (json) return printJson(io, view);
      io.out(`Revoked registration token ${view.fingerprint} (it would have expired ${view.expires_at ?? 'never'}).`);
    });
  },
});

export const registrationTokenCommands = commandGroup('registration-token',
  'Manage the tokens developers use to register apps themselves (Dynamic Client Registration)', { create, list, revoke });
