// `jullix-idp client ...`: register, list, show and remove relying-party apps. The redirect URI
// rules are checked while parsing (exit 2), then oidc-provider's own schema before saving.
import { z } from 'zod';
import { IdpError } from '../errors.ts';
import { validateRedirectUri } from '../provider/redirect-uris.ts';
import { clientView, printClient } from './client-view.ts';
import { commandGroup, defineCommand } from './command.ts';
import { withContext } from './context.ts';
import { printJson, printTable } from './output.ts';

const redirectUri = z.string().superRefine((uri, ctx) => {
  const verdict = validateRedirectUri(uri);
  if (!verdict.ok) ctx.addIssue({ code: 'custom', message: `"${uri}" ${verdict.reason}` });
});

const clientId = z.string().min(1, 'must not be empty').max(128, 'must be at most 128 characters');

const add = defineCommand({
  name: 'client add',
  summary: 'Register an app that signs users in through this IdP',
  help: `
Usage: jullix-idp client add --name <name> --redirect-uri <uri> [--redirect-uri <uri> ...]
                             [--post-logout-redirect-uri <uri> ...] [--public] [--first-party] [--json]

Register a client for the authorization code flow (with refresh tokens). Redirect URIs are
matched exactly; they must be https, except http on localhost, 127.0.0.1 or [::1]; no
fragment, wildcard or user@ part.

Options:
  --name <name>                      name shown to users
  --redirect-uri <uri>               where the IdP may send the user back (repeatable)
  --post-logout-redirect-uri <uri>   where the IdP may send the user after logout (repeatable)
  --public                           no client secret (browser or mobile app); PKCE is required
  --first-party                      your own app: users are not asked for consent
  --json                             print the client (and its secret) as JSON`,
  options: {
    name: { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'post-logout-redirect-uri': { type: 'string', multiple: true },
    public: { type: 'boolean' },
    'first-party': { type: 'boolean' },
  },
  schema: z.object({
    name: z.string({ error: (i) => (i.input === undefined ? 'is required (the name shown to users)' : undefined) })
      .trim().min(1, 'must not be empty').max(128, 'must be at most 128 characters'),
    'redirect-uri': z.array(redirectUri, { error: (i) => (i.input === undefined ? 'is required (at least one)' : undefined) }),
    'post-logout-redirect-uri': z.array(redirectUri).default([]),
    public: z.boolean().default(false),
    'first-party': z.boolean().default(false),
  }),
  async run(args, { json, io }) {
    await withContext(io, async (ctx) => {
      const { client, clientSecret } = await (await ctx.clients()).add({
        name: args.name,
        redirectUris: args['redirect-uri'],
        postLogoutRedirectUris: args['post-logout-redirect-uri'],
        public: args.public,
        firstParty: args['first-party'],
      });
      await ctx.audit.record({
        event: 'client.created', clientId: client.client_id,
        detail: { ...ctx.actor, name: client.client_name, public: args.public, firstParty: args['first-party'] },
      });
      const view = clientView(client);
      if (clientSecret !== undefined) io.err('The client secret is shown only this once: put it in the app\'s configuration now.');
      if (json) return printJson(io, clientSecret === undefined ? view : { ...view, client_secret: clientSecret });
      io.out(`Registered client "${view.client_name}".`);
      printClient(io, view, [...(clientSecret === undefined ? [] : [['Client secret', clientSecret] as [string, string]]), ['Issuer', ctx.config.issuer]]);
    });
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
      printTable(io, ['CLIENT ID', 'NAME', 'TYPE', 'FIRST PARTY', 'REDIRECT URIS'], clients.map((c) => [
        c.client_id, c.client_name, c.token_endpoint_auth_method === 'none' ? 'public' : 'confidential',
        c.first_party ? 'yes' : 'no', c.redirect_uris.join(' '),
      ]));
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
refreshes for it fail.

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

export const clientCommands = commandGroup('client', 'Manage the apps (OAuth clients) that sign users in here', { add, list, show, remove });
