// Signing keys kept in the database so they can be rotated without downtime and shared by every
// instance (src/provider/signing-keys.ts). The private JWK is encrypted with the data-encryption
// key and bound to its kid. (alg, generation) is unique: two instances bootstrapping an empty
// table, or two `keys rotate` runs at once, cannot both add a key of the same generation.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('signing_keys', (t) => {
    t.text('kid').primary();
    t.text('alg').notNullable(); // 'RS256' | 'ES256'
    t.integer('generation').notNullable(); // 0 for the first key of an alg, +1 per rotation
    t.text('private_jwk_ciphertext').notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('activates_at').notNullable(); // signing starts; published before that
    t.bigInteger('retires_at').nullable(); // the next key of this alg activates: verify only from then
    t.bigInteger('removes_at').nullable(); // dropped from the JWKS: everything it signed has expired
    t.unique(['alg', 'generation']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('signing_keys');
}
