// Integration: a stored password hash weaker than the configured argon2id parameters (or made
// with another argon2 variant) is replaced at the next successful sign-in, and only then.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import argon2 from 'argon2';
import { TestBrowser } from '../testing/browser.ts';
import { backends, startTestIdp, type TestIdp } from '../testing/harness.ts';
import { addPortal, openSignInPage, passwordSignIn, startSignIn, submit, type RpOptions } from '../testing/relying-party.ts';
import { createArgon2Hasher, OWASP_ARGON2ID } from '../security/password-hashing.ts';
import type * as oidc from 'openid-client';

const REDIRECT = 'http://127.0.0.1:8770/callback';
const CONFIGURED = /^\$argon2id\$v=19\$m=19456,p=1,t=2\$/;

for (const backend of backends()) {
  describe(`rehash on sign-in (${backend.name})`, () => {
    let idp: TestIdp;
    let rp: RpOptions;
    let config: oidc.Configuration;

    before(async () => {
      idp = await startTestIdp({ backend });
      ({ rp, config } = await addPortal(idp, REDIRECT));
    });
    after(() => idp.stop());

    async function addUserWithHash(username: string, passwordHash: string) {
      await idp.app.accounts.create({ username, email: `${username}@example.test`, name: username, role: 'customer', passwordHash });
    }
    const storedHash = async (username: string) => (await idp.app.accounts.findByLogin(username))?.passwordHash ?? '';

    async function wrongPassword(username: string) {
      const browser = new TestBrowser();
      const page = await openSignInPage(browser, await startSignIn(config, rp), REDIRECT);
      const res = await submit(browser, page.url, page.html, '/login', { username, password: 'not-the-password' }, REDIRECT);
      assert.equal(res.status, 401);
    }

    const cases = [
      { name: 'weaker parameters (8 MiB, t=1)', username: 'olga', hash: (pw: string) => createArgon2Hasher({ memoryCost: 8192, timeCost: 1, parallelism: 1 }).hash(pw) },
      { name: 'the argon2i variant', username: 'ivan', hash: (pw: string) => argon2.hash(pw, { type: argon2.argon2i, ...OWASP_ARGON2ID }) },
    ];
    for (const c of cases) {
      test(`${c.name}: kept after a failed sign-in, replaced by the configured argon2id after a successful one`, async () => {
        const password = `${c.username}-password-1`;
        const old = await c.hash(password);
        await addUserWithHash(c.username, old);

        await wrongPassword(c.username);
        assert.equal(await storedHash(c.username), old, 'a failed sign-in changes nothing');

        await passwordSignIn(new TestBrowser(), config, rp, c.username, password);
        const upgraded = await storedHash(c.username);
        assert.notEqual(upgraded, old);
        assert.match(upgraded, CONFIGURED);
        assert.equal(await argon2.verify(upgraded, password), true, 'the new hash is of the same password');
        await passwordSignIn(new TestBrowser(), config, rp, c.username, password);
        assert.equal(await storedHash(c.username), upgraded, 'once upgraded, left alone');
      });
    }

    test('a hash stronger than configured is not lowered at sign-in', async () => {
      const strong = await argon2.hash('sten-password-1', { type: argon2.argon2id, memoryCost: 65536, timeCost: 3, parallelism: 1 });
      await addUserWithHash('sten', strong);
      await passwordSignIn(new TestBrowser(), config, rp, 'sten', 'sten-password-1');
      assert.equal(await storedHash('sten'), strong);
    });
  });
}
