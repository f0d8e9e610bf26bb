// `jullix-idp client update | rotate-secret`: changes to a registered client. Only what is given
// changes; the result passes the same rules as a new client; a change that would do nothing says
// so and writes no audit record. A secret is printed once and never audited.
import { z } from 'zod';
import type { ClientChanges } from '../provider/client-metadata.ts';
import { backchannelLogoutUri, clientId, clientName, conflicting, httpsUrl, redirectUri } from './client-fields.ts';
import { clientView, printClient } from './client-view.ts';
import { defineCommand } from './command.ts';
import { withContext } from './context.ts';
import { printable, printFields, printJson } from './output.ts';

const updateArgs = z.object({
  client_id: clientId,
  name: clientName.optional(),
  'redirect-uri': z.array(redirectUri).optional(),
  'post-logout-redirect-uri': z.array(redirectUri).optional(),
  'no-post-logout-redirect-uri': z.boolean().optional(),
  'require-mfa': z.boolean().optional(),
  'no-require-mfa': z.boolean().optional(),
  'backchannel-logout-uri': backchannelLogoutUri.optional(),
  'no-backchannel-logout': z.boolean().optional(),
  'first-party': z.boolean().optional(),
  'third-party': z.boolean().optional(),
  'logo-uri': httpsUrl.optional(),
  'no-logo-uri': z.boolean().optional(),
  'client-uri': httpsUrl.optional(),
  'no-client-uri': z.boolean().optional(),
}).transform((a, ctx): { clientId: string; changes: ClientChanges } => {
  conflicting(ctx, a, 'require-mfa', 'no-require-mfa');
  conflicting(ctx, a, 'backchannel-logout-uri', 'no-backchannel-logout');
  conflicting(ctx, a, 'first-party', 'third-party');
  conflicting(ctx, a, 'post-logout-redirect-uri', 'no-post-logout-redirect-uri');
  conflicting(ctx, a, 'logo-uri', 'no-logo-uri');
  conflicting(ctx, a, 'client-uri', 'no-client-uri');
  const changes: ClientChanges = {
    ...(a.name === undefined ? {} : { name: a.name }),
    ...(a['redirect-uri'] === undefined ? {} : { redirectUris: a['redirect-uri'] }),
    ...(a['post-logout-redirect-uri'] !== undefined ? { postLogoutRedirectUris: a['post-logout-redirect-uri'] } : a['no-post-logout-redirect-uri'] ? { postLogoutRedirectUris: [] } : {}),
    ...(a['require-mfa'] ? { requireMfa: true } : a['no-require-mfa'] ? { requireMfa: false } : {}),
    ...(a['backchannel-logout-uri'] !== undefined ? { backchannelLogoutUri: a['backchannel-logout-uri'] } : a['no-backchannel-logout'] ? { backchannelLogoutUri: null } : {}),
    ...(a['first-party'] ? { firstParty: true } : a['third-party'] ? { firstParty: false } : {}),
    // A logo or home page that moved, or whose domain lapsed, must be removable: people see them.
    ...(a['logo-uri'] !== undefined ? { logoUri: a['logo-uri'] } : a['no-logo-uri'] ? { logoUri: null } : {}),
    ...(a['client-uri'] !== undefined ? { clientUri: a['client-uri'] } : a['no-client-uri'] ? { clientUri: null } : {}),
  };
  if (Object.keys(changes).length === 0) ctx.addIssue({ code: 'custom', message: 'nothing to change: give at least one option' });
  return { clientId: a.client_id, changes };
});

export const update = defineCommand({
  name: 'client update',
  summary: 'Change a client\'s name, URIs or settings (the secret stays)',
  help: `
Usage: jullix-idp client update <client_id> [--name <name>] [--redirect-uri <uri> ...]
                                [--post-logout-redirect-uri <uri> ... | --no-post-logout-redirect-uri]
                                [--require-mfa | --no-require-mfa]
                                [--backchannel-logout-uri <uri> | --no-backchannel-logout]
                                [--first-party | --third-party]
                                [--logo-uri <url> | --no-logo-uri] [--client-uri <url> | --no-client-uri] [--json]

Change only what is given; the client keeps its id, secret and grant types. A list option
(--redirect-uri, --post-logout-redirect-uri) replaces the whole list. The running IdP uses
the new settings at its next request.

Options:
  --name <name>                      name shown to users
  --redirect-uri <uri>               the new redirect URIs (repeatable; replaces the list)
  --post-logout-redirect-uri <uri>   the new post-logout redirect URIs (repeatable; replaces the list)
  --no-post-logout-redirect-uri      remove every post-logout redirect URI
  --require-mfa, --no-require-mfa    always ask for the second factor, or not
  --backchannel-logout-uri <uri>     where the IdP posts a logout token (https, or http on loopback)
  --no-backchannel-logout            stop sending logout tokens
  --first-party, --third-party       skip the consent screen (your own app), or ask for consent
  --logo-uri <url>                   logo shown on the consent page (https)
  --no-logo-uri                      show no logo
  --client-uri <url>                 the app's home page (https)
  --no-client-uri                    link no home page
  --json                             print the client as JSON`,
  options: {
    name: { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'post-logout-redirect-uri': { type: 'string', multiple: true },
    'no-post-logout-redirect-uri': { type: 'boolean' },
    'require-mfa': { type: 'boolean' },
    'no-require-mfa': { type: 'boolean' },
    'backchannel-logout-uri': { type: 'string' },
    'no-backchannel-logout': { type: 'boolean' },
    'first-party': { type: 'boolean' },
    'third-party': { type: 'boolean' },
    'logo-uri': { type: 'string' },
    'no-logo-uri': { type: 'boolean' },
    'client-uri': { type: 'string' },
    'no-client-uri': { type: 'boolean' },
  },
  positionals: ['client_id'],
  schema: updateArgs,
  async run(args, { json, io }) {
    await withContext(io, async (ctx) => {
      const { client, changed } = await (await ctx.clients()).update(args.clientId, args.changes);
      const view = clientView(client);
      if (changed.length > 0) {
        await ctx.audit.record({ event: 'client.updated', clientId: client.client_id, detail: { ...ctx.actor, name: client.client_name, changed: changed.join(',') } });
      }
      if (json) return printJson(io, view);
      const name = printable(view.client_name);
      io.out(changed.length === 0 ? `Nothing changed: client "${name}" already has these settings.` : `Updated client "${name}": ${changed.join(', ')}.`);
      printClient(io, view);
    });
  },
});

export const rotateSecret = defineCommand({
  name: 'client rotate-secret',
  summary: 'Give a confidential client a new secret (the old one stops working)',
  help: `
Usage: jullix-idp client rotate-secret <client_id> [--json]

Replace the client's secret with a new random one (32 bytes), printed only this once. The
old secret stops working at once: update the app's configuration right away. Tokens already
issued stay valid. A public client has no secret.

Options:
  --json   print {"client_id": ..., "client_secret": ...}`,
  options: {},
  positionals: ['client_id'],
  schema: z.object({ client_id: clientId }),
  async run(args, { json, io }) {
    await withContext(io, async (ctx) => {
      const { client, clientSecret } = await (await ctx.clients()).rotateSecret(args.client_id);
      await ctx.audit.record({ event: 'client.secret_rotated', clientId: client.client_id, detail: { ...ctx.actor, name: client.client_name } });
      io.err('The new client secret is shown only this once; the old one no longer works.');
      if (json) return printJson(io, { client_id: client.client_id, client_secret: clientSecret });
      io.out(`New secret for client "${printable(client.client_name)}".`);
      printFields(io, [['Client ID', client.client_id], ['Client secret', clientSecret]]);
    });
  },
});
