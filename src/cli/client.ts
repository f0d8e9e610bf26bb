// `jullix-idp client ...`: register, list, show and remove relying-party apps (changes to one are in
// client-changes.ts). Every rule is checked while parsing (exit 2), then oidc-provider's own
// schema before saving.
import { z } from 'zod';
import { IdpError } from '../errors.ts';
import { rotateSecret, update } from './client-changes.ts';
import { clientId, newClientArgs } from './client-fields.ts';
import { clientView, printClient, printClientTable } from './client-view.ts';
import { commandGroup, defineCommand } from './command.ts';
import { withContext } from './context.ts';
import { defaultIssuerNotice } from './issuer-notice.ts';
import { printJson } from './output.ts';

const add = defineCommand({
  name: 'client add',
  summary: 'Register an app that signs users in through this IdP',
  help: `
Usage: jullix-idp client add --name <name> --redirect-uri <uri> [--redirect-uri <uri> ...]
                             [--post-logout-redirect-uri <uri> ...] [--grant-type <grant> ...]
                             [--public | --token-endpoint-auth-method <method>] [--first-party]
                             [--require-mfa] [--backchannel-logout-uri <uri>]
                             [--logo-uri <url>] [--client-uri <url>] [--json]

Register a client, by default for the authorization code flow with refresh tokens. Redirect
URIs are matched exactly; they must be https, except http on localhost, 127.0.0.1 or [::1];
no fragment, wildcard or user@ part. A client with only the client_credentials grant (a
service, no users) is confidential and has no redirect URIs.

Options:
  --name <name>                          name shown to users
  --redirect-uri <uri>                   where the IdP may send the user back (repeatable;
                                         at least one for the authorization_code grant)
  --post-logout-redirect-uri <uri>       where the IdP may send the user after logout (repeatable)
  --grant-type <grant>                   authorization_code | refresh_token | client_credentials
                                         (repeatable; default authorization_code + refresh_token;
                                         client_credentials only for a confidential client)
  --token-endpoint-auth-method <method>  client_secret_basic (default) | client_secret_post | none
  --public                               no client secret (browser or mobile app); PKCE is
                                         required; the same as --token-endpoint-auth-method none
  --first-party                          your own app: users are not asked for consent
  --require-mfa                          always ask for the second factor (default_acr_values aal2)
  --backchannel-logout-uri <uri>         where the IdP posts a logout token when the user logs out
                                         (https, or http on loopback; with the session id)
  --logo-uri <url>                       logo shown on the consent page (https)
  --client-uri <url>                     the app's home page, linked from the consent page (https)
  --json                                 print the client (and its secret) as JSON`,
  options: {
    name: { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'post-logout-redirect-uri': { type: 'string', multiple: true },
    'grant-type': { type: 'string', multiple: true },
    'token-endpoint-auth-method': { type: 'string' },
    public: { type: 'boolean' },
    'first-party': { type: 'boolean' },
    'require-mfa': { type: 'boolean' },
    'backchannel-logout-uri': { type: 'string' },
    'logo-uri': { type: 'string' },
    'client-uri': { type: 'string' },
  },
  schema: newClientArgs,
  async run(args, { json, io }) {
    await withContext(io, async (ctx) => {
      const { client, clientSecret } = await (await ctx.clients()).add(args);
      await ctx.audit.record({
        event: 'client.created', clientId: client.client_id,
        detail: {
          ...ctx.actor, name: client.client_name, public: args.authMethod === 'none', firstParty: args.firstParty,
          grantTypes: args.grantTypes.join(','), authMethod: args.authMethod, requireMfa: args.requireMfa,
          backchannelLogout: args.backchannelLogoutUri !== undefined,
        },
      });
      const view = clientView(client);
      if (clientSecret !== undefined) io.err('The client secret is shown only this once: put it in the app\'s configuration now.');
      if (json) return printJson(io, clientSecret === undefined ? view : { ...view, client_secret: clientSecret });
      io.out(`Registered client "${view.client_name}".`);
      const assumed = defaultIssuerNotice(ctx.config.issuer, ctx.config.port, 'The issuer shown');
      if (assumed !== undefined) io.err(assumed);
      printClient(io, view, [...(clientSecret === undefined ? [] : [['Client secret', clientSecret] as [string, string]]), ['Issuer', ctx.config.issuer]]);
    }, { mayCreateDatabase: true });
  },
});

const list = defineCommand({
  name: 'client list',
  summary: 'List registered clients (never their secrets)',
  help: `
Usage: jullix-idp client list [--json]

Options:
  --json   print a JSON array`,
  options: {},
  schema: z.object({}),
  async run(_args, { json, io }) {
    await withContext(io, async (ctx) => {
      const clients = (await (await ctx.clients()).list()).map(clientView);
      if (json) return printJson(io, clients);
      if (clients.length === 0) return io.out('No clients.');
      printClientTable(io, clients);
    });
  },
});

const show = defineCommand({
  name: 'client show',
  summary: 'Show one client (never its secret)',
  help: `
Usage: jullix-idp client show <client_id> [--json]

Options:
  --json   print a JSON object`,
  options: {},
  positionals: ['client_id'],
  schema: z.object({ client_id: clientId }),
  async run(args, { json, io }) {
    await withContext(io, async (ctx) => {
      const client = await (await ctx.clients()).find(args.client_id);
      if (client === undefined) throw new IdpError('not_found', `no client with id "${args.client_id}"`);
      if (json) return printJson(io, clientView(client));
      printClient(io, clientView(client));
    });
  },
});

const remove = defineCommand({
  name: 'client remove',
  summary: 'Remove a client; its users can no longer sign in to it',
  help: `
Usage: jullix-idp client remove <client_id> [--json]

The provider stops accepting the client at once: new sign-ins, token requests and
refreshes for it fail. Its grants, the tokens issued under them, its own
client_credentials tokens and the consent people gave it are deleted with it (the
account page stops listing it); a client added again with the same id starts afresh.

Options:
  --json   print {"client_id": ..., "removed": true}`,
  options: {},
  positionals: ['client_id'],
  schema: z.object({ client_id: clientId }),
  async run(args, { json, io }) {
    await withContext(io, async (ctx) => {
      const clients = await ctx.clients();
      const client = await clients.find(args.client_id);
      await clients.remove(args.client_id);
      await ctx.audit.record({ event: 'client.removed', clientId: args.client_id, detail: { ...ctx.actor, name: client?.client_name ?? null } });
      if (json) return printJson(io, { client_id: args.client_id, removed: true });
      io.out(`Removed client ${args.client_id}${client ? ` ("${client.client_name}")` : ''}.`);
    });
  },
});

export const clientCommands = commandGroup('client', 'Manage the apps (OAuth clients) that sign users in here', {
  add, list, show, update, 'rotate-secret': rotateSecret, remove,
});
