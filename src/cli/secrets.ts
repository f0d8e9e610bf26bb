// `jullix-idp secrets reencrypt`: moves every TOTP secret to the newest data-encryption key, in
// batches, while the server runs. Resumable: only rows still under an older key are touched, and
// each row is replaced only if nobody changed it meanwhile.
import { z } from 'zod';
import { decryptSecret, encryptSecret, needsReencryption } from '../security/encryption.ts';
import { IdpError } from '../errors.ts';
import { createSigningKeyStore } from '../provider/keys-store.ts';
import { commandGroup, defineCommand } from './command.ts';
import { withContext } from './context.ts';
import { printJson } from './output.ts';

interface Row { id: string; user_id: string; secret_ciphertext: string }

const reencrypt = defineCommand({
  name: 'secrets reencrypt',
  summary: 'Re-encrypt TOTP secrets under the newest data-encryption key',
  help: `
Usage: jullix-idp secrets reencrypt [--batch-size <n>] [--json]

After putting a new key first in DATA_ENCRYPTION_KEYS (keeping the old ones after it), this
re-encrypts every TOTP secret under the new key, <n> rows per transaction (default 500). It can
be interrupted and run again. When it reports 0 remaining, the old key is no longer needed for
TOTP secrets (recovery codes made under it keep needing it until they are regenerated).
Signing keys kept in the database (see "jullix-idp keys") are re-encrypted too: an instance
cannot start with a signing key it cannot decrypt.`,
  options: { 'batch-size': { type: 'string' } },
  positionals: [],
  schema: z.object({ 'batch-size': z.string().regex(/^\d{1,5}$/, 'a whole number from 1 to 10000').transform(Number).pipe(z.number().min(1).max(10000)).default(500) }),
  async run(args, { json, io }) {
    await withContext(io, async (ctx) => {
      const keys = ctx.secrets().dataEncryptionKeys;
      const current = keys[0];
      if (!current) throw new IdpError('config_invalid', 'no data-encryption key configured');
      const started = Date.now();
      let moved = 0;
      let lastId = '';
      for (;;) {
        const rows = await ctx.db<Row>('totp_credentials').where('id', '>', lastId).orderBy('id').limit(args['batch-size']).select('id', 'user_id', 'secret_ciphertext');
        if (rows.length === 0) break;
        lastId = rows[rows.length - 1]!.id;
        const stale = rows.filter((r) => needsReencryption(current, r.secret_ciphertext));
        await ctx.db.transaction(async (trx) => {
          for (const r of stale) {
            const binding = { userId: r.user_id, credentialId: r.id };
            const fresh = encryptSecret(current, decryptSecret(keys, r.secret_ciphertext, binding), binding);
            moved += await trx('totp_credentials').where({ id: r.id, secret_ciphertext: r.secret_ciphertext }).update({ secret_ciphertext: fresh });
          }
        });
      }
      const all = await ctx.db<Row>('totp_credentials').select('secret_ciphertext');
      const remaining = all.filter((r) => needsReencryption(current, r.secret_ciphertext)).length;
      const signingKeys = await createSigningKeyStore(ctx.db, ctx.clock, keys).reencrypt();
      const ms = Date.now() - started;
      if (json) return printJson(io, { reencrypted: moved, remaining, ms, signingKeys });
      io.out(`Re-encrypted ${moved} TOTP secret${moved === 1 ? '' : 's'} in ${ms} ms; ${remaining} still under an older key.`);
      io.out(`Re-encrypted ${signingKeys.reencrypted} signing key${signingKeys.reencrypted === 1 ? '' : 's'}; ${signingKeys.remaining} still under an older key.`);
    });
  },
});

export const secretsCommands = commandGroup('secrets', 'Manage encrypted secrets at rest', { reencrypt });
