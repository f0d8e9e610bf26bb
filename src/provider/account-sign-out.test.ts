import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Knex } from 'knex';
import type { AdapterConstructor } from 'oidc-provider';
import * as accountColumn from '../../migrations/20261203120000_oidc_models_account_id.ts';
import { withTestDatabases } from '../db/test-database.ts';
import { manualClock } from '../security/clock.ts';
import { rowsOfAccount, signOutEverywhere } from './account-sign-out.ts';
import { createAdapterClass, deleteExpiredRows } from './adapter.ts';

const T0 = Date.UTC(2026, 11, 3, 12);

for (const backend of await withTestDatabases()) {
  describe(`signing an account out by its indexed rows, on ${backend.name}`, () => {
    let db: Knex;
    let cleanup: (() => Promise<void>) | undefined;
    let Adapter: AdapterConstructor;
    const clock = manualClock(T0);
    before(async () => {
      ({ db, cleanup } = await backend.open({ migrate: true }));
      Adapter = createAdapterClass(db, clock);
    });
    after(() => cleanup?.());

    /** What the provider still finds of a row (undefined once deleted or ended). */
    const found = (model: string, id: string) => new Adapter(model).find(id);

    /** An account with a session, a grant, an access and a refresh token, saved as the provider saves them. */
    async function signedIn(accountId: string) {
      const ids = { session: randomUUID(), grant: randomUUID(), access: randomUUID(), refresh: randomUUID(), uid: randomUUID() };
      await new Adapter('Session').upsert(ids.session, { uid: ids.uid, accountId, authorizations: { app: { sid: 's', grantId: ids.grant } } }, 600);
      await new Adapter('Grant').upsert(ids.grant, { accountId, clientId: 'app' }, 600);
      await new Adapter('AccessToken').upsert(ids.access, { accountId, grantId: ids.grant, clientId: 'app', sessionUid: ids.uid }, 600);
      await new Adapter('RefreshToken').upsert(ids.refresh, { accountId, grantId: ids.grant, clientId: 'app', sessionUid: ids.uid }, 600);
      return ids;
    }

    test('a sign-in it ended is not revived by a late save, also once the expiry sweep has run', async () => {
      // The sign-out expires the interactions it ends at once (the mark a resume looks for); a
      // request still in flight on one (a double-submitted last step) saves its result a moment
      // later. Had the sweep just removed the row, that save would insert it anew, result and all.
      const gina = randomUUID();
      const login = { result: { login: { accountId: gina } } };
      await new Adapter('Interaction').upsert('i-double', login, 600);
      await signOutEverywhere(db, clock, gina);
      clock.advance(1);
      await deleteExpiredRows(db, clock.now());
      await new Adapter('Interaction').upsert('i-double', login, 599);
      assert.equal(await found('Interaction', 'i-double'), undefined);
    });

    test('ends the account\'s session, grant, tokens and finished sign-in; another account\'s and a service token stay', async () => {
      const alice = randomUUID();
      const bob = randomUUID();
      const a = await signedIn(alice);
      const b = await signedIn(bob);
      // A sign-in of alice past every factor, started in bob's browser session: alice's to end.
      await new Adapter('Interaction').upsert('i-alice', { session: { accountId: bob, uid: b.uid }, result: { login: { accountId: alice } } }, 600);
      await new Adapter('ClientCredentials').upsert('cc', { clientId: 'service', kind: 'ClientCredentials' }, 600);

      const out = await signOutEverywhere(db, clock, alice);
      assert.equal(out.sessions.length, 1);
      assert.equal(out.tokens, 2);
      for (const [model, id] of [['Session', a.session], ['Grant', a.grant], ['AccessToken', a.access], ['RefreshToken', a.refresh], ['Interaction', 'i-alice']] as const) {
        assert.equal(await found(model, id), undefined, `alice's ${model} is gone`);
      }
      for (const [model, id] of [['Session', b.session], ['Grant', b.grant], ['AccessToken', b.access], ['RefreshToken', b.refresh], ['ClientCredentials', 'cc']] as const) {
        assert.ok(await found(model, id), `${model} of someone else stays`);
      }
    });

    test('a row written without the column (an older instance during a rolling upgrade) is still found by its payload', async () => {
      const carol = randomUUID();
      const dave = randomUUID();
      const legacy = (id: string, accountId: string) => ({ model: 'AccessToken', id, payload: JSON.stringify({ accountId, grantId: 'g' }), expires_at: T0 + 600_000 });
      await db('oidc_models').insert([legacy('old-carol', carol), legacy('old-dave', dave)]);
      const out = await signOutEverywhere(db, clock, carol);
      assert.equal(out.tokens, 1);
      assert.equal(await found('AccessToken', 'old-carol'), undefined);
      assert.ok(await found('AccessToken', 'old-dave'));
    });

    test('an interaction an older instance finishes (its upsert leaves the column alone) is still ended', async () => {
      const frank = randomUUID();
      await new Adapter('Interaction').upsert('i-late', { params: { client_id: 'app' } }, 600);
      // The upsert of the version before this column, as an old instance runs it at the sign-in.
      await db.raw(`insert into oidc_models (model, id, payload, grant_id, uid, user_code, expires_at) values (?, ?, ?, null, null, null, ?)
        on conflict (model, id) do update set payload = excluded.payload, expires_at = excluded.expires_at`,
      ['Interaction', 'i-late', JSON.stringify({ params: { client_id: 'app' }, result: { login: { accountId: frank } } }), T0 + 600_000]);
      await signOutEverywhere(db, clock, frank);
      assert.equal(await found('Interaction', 'i-late'), undefined);
    });

    test('the migration fills the column of rows saved before it, in batches, and can run again', async () => {
      const erin = randomUUID();
      await accountColumn.down(db);
      const expires = T0 + 600_000;
      await db.batchInsert('oidc_models', [
        { model: 'Grant', id: 'pre-grant', payload: JSON.stringify({ accountId: erin, clientId: 'app' }), expires_at: expires },
        { model: 'Interaction', id: 'pre-interaction', payload: JSON.stringify({ result: { login: { accountId: erin } } }), expires_at: expires },
        { model: 'Interaction', id: 'pre-anonymous', payload: JSON.stringify({ params: { client_id: 'app' } }), expires_at: expires },
        { model: 'ClientCredentials', id: 'pre-cc', payload: JSON.stringify({ clientId: 'service' }), expires_at: expires },
        // Anyone can store a NUL character in an interaction (a state parameter of %00); PostgreSQL's jsonb refuses it.
        { model: 'AccessToken', id: 'pre-nul', payload: JSON.stringify({ accountId: erin, grantId: 'g', extra: { state: '\u0000' } }), expires_at: expires },
        ...Array.from({ length: 2100 }, (_, i) => ({ model: 'ClientCredentials', id: `pre-bulk-${i}`, payload: '{"clientId":"service"}', expires_at: expires })),
      ], 200);
      await accountColumn.up(db);
      await accountColumn.up(db);
      const rows = await db('oidc_models').whereIn('id', ['pre-grant', 'pre-interaction', 'pre-anonymous', 'pre-cc']).orderBy('id').select('id', 'account_id') as Array<{ id: string; account_id: string | null }>;
      assert.deepEqual(rows.map((r) => [r.id, r.account_id]), [['pre-anonymous', null], ['pre-cc', ''], ['pre-grant', erin], ['pre-interaction', erin]]);
      assert.equal((await db('oidc_models').where('id', 'like', 'pre-bulk-%').whereNull('account_id').count({ n: '*' }).first() as { n: number | string }).n, backend.name === 'sqlite' ? 0 : '0', 'every batch filled');
      const out = await signOutEverywhere(db, clock, erin);
      assert.equal(out.tokens, 1, 'the token with a NUL character is found too');
      assert.equal(await found('AccessToken', 'pre-nul'), undefined);
    });

    if (backend.name === 'sqlite') {
      test('the sign-out reads by index, not by scanning every payload (it runs holding the write lock)', async () => {
        for (const query of rowsOfAccount(db, ['Session', 'AccessToken'], randomUUID())) {
          const { sql, bindings } = query.select('id').toSQL();
          const steps = (await db.raw(`explain query plan ${sql}`, bindings) as Array<{ detail: string }>).map((p) => p.detail);
          assert.ok(steps.length > 0);
          for (const step of steps) assert.doesNotMatch(step, /\bSCAN\b/, steps.join(' | '));
          assert.ok(steps.every((s) => /USING INDEX oidc_models_account_id_model_index/.test(s)), steps.join(' | '));
        }
      });
    }
  });
}
