// `jullix-idp keys ...`: the signing keys in the database and their rotation. A new key is
// published at once and signs only after a delay, so relying apps have it in their JWKS cache
// before any token carries its kid; the old key stays published until what it signed expired.
import { z } from 'zod';
import { environmentJwks } from '../config/secrets.ts';
import { IdpError } from '../errors.ts';
import { ID_TOKEN_TTL_SECONDS } from '../provider/configuration.ts';
import { keyState, retentionMs, SIGNING_ALGS, type SigningKey } from '../provider/keys.ts';
import { createSigningKeyStore, listSigningKeys } from '../provider/keys-store.ts';
import { commandGroup, defineCommand } from './command.ts';
import { withContext } from './context.ts';
import { formatDuration, parseDuration } from './duration.ts';
import { printJson, printTable } from './output.ts';

/**
 * Instances pick a new key up within SIGNING_KEYS_REFRESH_SECONDS (30 s), and relying apps refetch
 * a JWKS on an unknown kid only after a while (openid-client: 60 s; others: minutes): a key that
 * signs sooner could fail verification somewhere.
 */
const MIN_DELAY_SECONDS = 5 * 60;
const MAX_DELAY_SECONDS = 30 * 86400;
const DELAY_RULE = 'must be a duration such as 30m, 12h, 7d or plain seconds, from 5m to 30d';

export const ENV_JWKS_REFUSAL = `signing keys come from the JWKS environment variable, so they are rotated there:
  1. add the new private key as the second key of JWKS and restart every instance (it is published, the first key still signs);
  2. once relying apps have refreshed their JWKS cache (an hour is safe), move it first and restart again;
  3. remove the old key after everything it signed has expired (the session lifetime, at least the 1 h ID token lifetime).
Or unset JWKS to keep the keys in the database and rotate them with this command (tokens signed by the JWKS keys then stop verifying).`;

export interface KeyView {
  kid: string;
  alg: string;
  state: string;
  source: 'database' | 'environment';
  createdAt: string | null;
  activatesAt: string | null;
  retiresAt: string | null;
  /** When the key leaves the JWKS. */
  removesAt: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function keyView(key: SigningKey, now: number): KeyView {
  return {
    kid: key.kid, alg: key.alg, state: keyState(key, now), source: 'database',
    createdAt: iso(key.createdAt), activatesAt: iso(key.activatesAt), retiresAt: iso(key.retiresAt), removesAt: iso(key.removesAt),
  };
}

function envKeyViews(jwks: string): KeyView[] {
  return environmentJwks(jwks).keys.map((k) => ({
    kid: String(k.kid ?? ''), alg: String(k.alg ?? k.kty), state: 'static', source: 'environment',
    createdAt: null, activatesAt: null, retiresAt: null, removesAt: null,
  }));
}

const list = defineCommand({
  name: 'keys list',
  summary: 'Show the signing keys and the state of each',
  help: `
Usage: jullix-idp keys list [--json]

Every signing key, oldest first. States: next (published, signs from ACTIVATES), active (signs),
retired (published so tokens it signed still verify, until REMOVED), expired (gone from the JWKS).
With the JWKS environment variable set, its keys are shown with the state "static".

Options:
  --json   print a JSON array of {"kid", "alg", "state", "source", "createdAt", "activatesAt",
           "retiresAt", "removesAt"} (removesAt: when the key leaves the JWKS)`,
  options: {},
  schema: z.object({}),
  async run(_args, { json, io }) {
    await withContext(io, async (ctx) => {
      const now = ctx.clock.now();
      // Read without ctx.secrets(): it would make DATA_DIR/secrets.json, and listing needs no key.
      const { jwks } = ctx.config.secrets;
      const views = jwks !== undefined ? envKeyViews(jwks) : (await listSigningKeys(ctx.db)).map((k) => keyView(k, now));
      if (json) return printJson(io, views);
      if (jwks !== undefined) io.err('Signing keys come from the JWKS environment variable.');
      if (views.length === 0) return io.out('No signing keys yet: the server makes them when it first starts.');
      printTable(io, ['KID', 'ALG', 'STATE', 'CREATED', 'ACTIVATES', 'RETIRES', 'REMOVED'], views.map((v) => [
        v.kid, v.alg, v.state, v.createdAt ?? '-', v.activatesAt ?? '-', v.retiresAt ?? '-', v.removesAt ?? '-',
      ]));
    });
  },
});

const rotate = defineCommand({
  name: 'keys rotate',
  summary: 'Publish new signing keys now; they sign after a delay',
  help: `
Usage: jullix-idp keys rotate [--alg RS256|ES256|all] [--activate-after <duration>] [--json]

Adds a new signing key for each algorithm. It is published in the JWKS at once (every running
instance reloads within SIGNING_KEYS_REFRESH_SECONDS, default 30 s) and signs only after the
delay, so relying apps already have it cached. At that moment the current key retires: it stays
published until everything it signed has expired (the session lifetime plus an hour), then
leaves the JWKS. Expired keys are deleted. Refused while a new key of that algorithm is still
waiting, and when the JWKS environment variable holds the keys.

Options:
  --alg <alg>                  RS256, ES256 or all (default all: every algorithm in use)
  --activate-after <duration>  when the new keys start signing: 5m to 30d (default 1h)
  --json                       print {"added": [...], "retired": [...], "deleted"}, keys as in
                               "keys list --json"`,
  options: { alg: { type: 'string' }, 'activate-after': { type: 'string' } },
  schema: z.object({
    alg: z.enum([...SIGNING_ALGS, 'all'], { error: 'must be RS256, ES256 or all' }).default('all'),
    'activate-after': z.string().transform((text, ctx) => {
      const seconds = parseDuration(text);
      if (seconds === undefined || seconds < MIN_DELAY_SECONDS || seconds > MAX_DELAY_SECONDS) ctx.addIssue({ code: 'custom', message: `"${text}" ${DELAY_RULE}` });
      return seconds ?? 0;
    }).default(3600),
  }),
  async run(args, { json, io }) {
    await withContext(io, async (ctx) => {
      if (ctx.config.secrets.jwks !== undefined) throw new IdpError('config_invalid', ENV_JWKS_REFUSAL, { expose: true });
      const secrets = ctx.secrets();
      const store = createSigningKeyStore(ctx.db, ctx.clock, secrets.dataEncryptionKeys);
      await store.ensure(secrets.seedJwks);
      // This shell's data-encryption keys must open the stored keys before it seals a new one: a
      // key sealed with other ones would fail every instance's reload, and readiness with it.
      await store.loadPublished();
      const inUse = new Set((await store.list()).filter((k) => keyState(k, ctx.clock.now()) === 'active').map((k) => k.alg));
      const algs = args.alg === 'all' ? SIGNING_ALGS.filter((a) => inUse.has(a)) : [args.alg];
      const delayMs = args['activate-after'] * 1000;
      const { added, retired, deleted } = await store.rotate(algs, delayMs, retentionMs(ID_TOKEN_TTL_SECONDS, ctx.config.sessions.sessionTtlSeconds));
      await ctx.audit.record({
        event: 'keys.rotated',
        detail: {
          ...ctx.actor, algs: algs.join(','), added: added.map((k) => k.kid).join(','), retired: retired.map((k) => k.kid).join(','),
          activatesAt: iso(added[0]?.activatesAt ?? null), deletedExpired: deleted,
        },
      });
      const now = ctx.clock.now();
      if (json) return printJson(io, { added: added.map((k) => keyView(k, now)), retired: retired.map((k) => keyView(k, now)), deleted });
      for (const k of added) io.out(`Added ${k.alg} key ${k.kid}: published within ${ctx.config.signingKeys.refreshSeconds} s, signs from ${iso(k.activatesAt)} (in ${formatDuration(args['activate-after'])}).`);
      for (const k of retired) io.out(`Key ${k.kid} retires then and leaves the JWKS at ${iso(k.removesAt)}.`);
      if (deleted > 0) io.out(`Deleted ${deleted} expired key${deleted === 1 ? '' : 's'}.`);
    }, { mayCreateDatabase: true });
  },
});

const remove = defineCommand({
  name: 'keys remove',
  summary: 'Delete a signing key that does not sign (leaked, or a rotation to cancel)',
  help: `
Usage: jullix-idp keys remove <kid> [--json]

Deletes a key in state next or retired. Every instance drops it from the JWKS within
SIGNING_KEYS_REFRESH_SECONDS, and tokens it signed stop verifying. Removing a next key cancels
its rotation: the current key goes on signing. A key that signs now cannot be removed: rotate
first (for a leaked key with --activate-after 5m), then remove it once the new key has activated.
A kid that starts with "-" (keys made before version 2026-11-25 may) goes after "--":
jullix-idp keys remove -- -Xyz...

Options:
  --json   print the removed key as in "keys list --json"`,
  options: {},
  positionals: ['kid'],
  schema: z.object({ kid: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be a key id as "keys list" shows it') }),
  async run(args, { json, io }) {
    await withContext(io, async (ctx) => {
      if (ctx.config.secrets.jwks !== undefined) throw new IdpError('config_invalid', ENV_JWKS_REFUSAL, { expose: true });
      const key = await createSigningKeyStore(ctx.db, ctx.clock, ctx.secrets().dataEncryptionKeys).remove(args.kid);
      const view = keyView(key, ctx.clock.now());
      await ctx.audit.record({ event: 'keys.removed', detail: { ...ctx.actor, kid: key.kid, alg: key.alg, state: view.state } });
      if (json) return printJson(io, view);
      io.out(`Removed ${key.alg} key ${key.kid} (${view.state}): every instance drops it from the JWKS within ${ctx.config.signingKeys.refreshSeconds} s.`);
    });
  },
});

export const keysCommands = commandGroup('keys', 'Show, rotate and remove the token signing keys', { list, rotate, remove });
