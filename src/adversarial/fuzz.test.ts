// The fuzzer: at least 5 000 malformed requests across every endpoint and form, with and without a
// live interaction cookie and CSRF token, seeded so a failure reproduces (FUZZ_SEED=<seed>).
// Every answer: no 5xx, no stack trace or internal path, within the time limit; and afterwards the
// IdP still signs people in. FUZZ_RUNS=<n> changes the count; FUZZ_DUMP=<file> writes every failure.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { generateTotpSecret } from '../factors/totp.ts';
import type { TestBrowser } from '../testing/browser.ts';
import { startTestIdp, type TestIdp } from '../testing/harness.ts';
import { buildRequest, type FlowName, type FuzzContext, type LiveFlow } from './fuzz-targets.ts';
import { addTestClients, authRequest, CONFIDENTIAL_CLIENT, csrfOf, newBrowser, open, passwordStep, PUBLIC_CLIENT, REDIRECT, signInForTokens, submit, THIRD_PARTY_CLIENT } from './flows.ts';
import { seededRandom } from './random.ts';
import { closeRawClient, leaks, rawRequest } from './raw-http.ts';

const SEED = Number(process.env['FUZZ_SEED'] ?? 0x5eed);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 5000);
/** Live interactions are checked (and replaced when a request ended them) between rounds. */
const ROUNDS = 5;
const WORKERS = 8;
const ANSWER_WITHIN_MS = 5000;
const PASSWORD = 'fuzz-password-long-1';

const cookieHeader = (b: TestBrowser) => [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; ');

describe('fuzzer', () => {
  let idp: TestIdp;
  // Set-up traffic comes from its own (proxied) addresses, so the fuzzer's failed guesses from
  // 127.0.0.1 throttle only the fuzzer: that also bounds how many password hashes it can cost.
  let setupAddress = 0;
  const setupBrowser = () => newBrowser({ 'x-forwarded-for': `10.77.0.${++setupAddress}` });

  before(async () => {
    idp = await startTestIdp({ env: { TRUST_PROXY: 'true' } });
    await addTestClients(idp);
    for (const username of ['fuzz-customer', 'fuzz-totp', 'fuzz-account']) await idp.addUser({ username, password: PASSWORD });
    await idp.addUser({ username: 'fuzz-installer', password: PASSWORD, role: 'installer' });
    const totpUser = await idp.app.accounts.findByLogin('fuzz-totp');
    await idp.app.totp.enrol(totpUser?.id ?? '', generateTotpSecret(), 0);
  });
  after(async () => {
    closeRawClient();
    await idp.stop();
  });

  async function liveFlow(kind: FlowName): Promise<LiveFlow> {
    const b = setupBrowser();
    const page = kind === 'login' ? await open(b, authRequest(idp, PUBLIC_CLIENT).url)
      : kind === 'consent' ? (await passwordStep(b, idp, THIRD_PARTY_CLIENT, 'fuzz-customer', PASSWORD, { prompt: 'consent' })).page
        : (await passwordStep(b, idp, PUBLIC_CLIENT, kind === 'enrol' ? 'fuzz-installer' : 'fuzz-totp', PASSWORD)).page;
    const uid = /\/interaction\/([^/?]+)$/.exec(page.url)?.[1];
    assert.ok(uid && csrfOf(page.html), `${kind}: expected an interaction page, got ${page.status} ${page.url}`);
    return { uid, cookie: cookieHeader(b), csrf: csrfOf(page.html) };
  }

  async function stillLive(flow: LiveFlow): Promise<boolean> {
    const res = await fetch(`${idp.url}/interaction/${flow.uid}`, { headers: { cookie: flow.cookie }, redirect: 'manual' });
    return res.status === 200 && (await res.text()).includes(flow.csrf);
  }

  async function accountSession(): Promise<FuzzContext['account']> {
    const b = setupBrowser();
    const login = await open(b, `${idp.url}/account`);
    const overview = await submit(b, login, '/login', { username: 'fuzz-account', password: PASSWORD });
    const landed = overview.html ? overview : await open(b, overview.url);
    assert.match(landed.html, /data-testid="account-username"/);
    return { cookie: cookieHeader(b), csrf: csrfOf(landed.html) };
  }

  async function firstContext(): Promise<FuzzContext> {
    const initialAccessToken = await new idp.app.provider.InitialAccessToken({ expiresIn: 600, policies: ['third-party'] }).save();
    const reg = await fetch(`${idp.url}/reg`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${initialAccessToken}` }, body: JSON.stringify({ redirect_uris: [REDIRECT], client_name: 'Fuzzed' }) });
    const registered = await reg.json() as { client_id: string; registration_access_token: string };
    const { tokens } = await signInForTokens(setupBrowser(), idp, CONFIDENTIAL_CLIENT, 'fuzz-customer', PASSWORD);
    return {
      flows: { login: await liveFlow('login'), consent: await liveFlow('consent'), enrol: await liveFlow('enrol'), totp: await liveFlow('totp') },
      account: await accountSession(),
      reg: { id: registered.client_id, token: registered.registration_access_token },
      tokens: { access: tokens.access_token, refresh: tokens.refresh_token, idToken: tokens.id_token },
      initialAccessToken,
      basicAuth: `Basic ${Buffer.from(`${CONFIDENTIAL_CLIENT.client_id}:${CONFIDENTIAL_CLIENT.client_secret ?? ''}`).toString('base64')}`,
    };
  }

  /** Replaces the interactions and the session that earlier requests ended (an abort, a resume). */
  async function refresh(c: FuzzContext): Promise<void> {
    for (const kind of Object.keys(c.flows) as FlowName[]) {
      if (!(await stillLive(c.flows[kind]))) c.flows[kind] = await liveFlow(kind);
    }
    if ((await fetch(`${idp.url}/account`, { headers: { cookie: c.account.cookie }, redirect: 'manual' })).status !== 200) c.account = await accountSession();
  }

  test(`${RUNS} malformed requests: no 5xx, no stack trace, no hang`, async (t) => {
    const random = seededRandom(SEED);
    const context = await firstContext();
    const failures: string[] = [];
    const endpoints = new Set<string>();
    const pairs = new Set<string>();
    const statuses = new Map<number, number>();
    let sent = 0;
    let slowest = 0;
    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0) await refresh(context);
      // Built in order from the seed before sending, so a seed always means the same requests.
      const batch = Array.from({ length: Math.ceil(RUNS / ROUNDS) }, () => buildRequest(context, random));
      let next = 0;
      await Promise.all(Array.from({ length: WORKERS }, async () => {
        for (let i = next++; i < batch.length; i = next++) {
          const { target, request } = batch[i]!;
          const label = `#${round}.${i} ${request.method} ${request.path.slice(0, 150)}${request.body ? ` body ${JSON.stringify(request.body.slice(0, 100))}` : ''}`;
          endpoints.add(target);
          pairs.add(`${request.method} ${target}`);
          try {
            const res = await rawRequest(idp.url, request, ANSWER_WITHIN_MS * 2);
            sent++;
            slowest = Math.max(slowest, res.ms);
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            if (res.status >= 500) failures.push(`${label}: status ${res.status}: ${res.body.slice(0, 200)}`);
            if (res.ms > ANSWER_WITHIN_MS) failures.push(`${label}: answered after ${Math.round(res.ms)} ms`);
            const leak = leaks(res.body);
            if (leak) failures.push(`${label}: body matches ${leak}: ${res.body.slice(Math.max(0, res.body.search(leak) - 80), res.body.search(leak) + 120)}`);
          } catch (err) {
            failures.push(`${label}: no answer (${(err as Error).message})`);
          }
        }
      }));
    }
    const histogram = [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
    t.diagnostic(`fuzzer: ${sent} requests answered (seed ${SEED}), ${endpoints.size} distinct endpoints, ${pairs.size} method/endpoint pairs, slowest ${Math.round(slowest)} ms`);
    t.diagnostic(`statuses: ${histogram}`);
    if (process.env['FUZZ_DUMP']) await writeFile(process.env['FUZZ_DUMP'], failures.join('\n'));
    assert.ok(sent >= RUNS, `only ${sent} of ${RUNS} requests were answered`);
    assert.deepEqual(failures.slice(0, 15), [], `${failures.length} failing requests (seed ${SEED})`);
  });

  test('a 1 MB form gets its 413 page and the connection stays usable', async () => {
    const flow = await liveFlow('login');
    const body = `csrf=${flow.csrf}&username=${'A'.repeat(1_000_000)}`;
    for (const [path, statuses] of [[`/interaction/${flow.uid}/login`, [413]], ['/token', [413]]] as const) {
      const res = await rawRequest(idp.url, { method: 'POST', path, headers: { cookie: flow.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body }, ANSWER_WITHIN_MS);
      assert.ok((statuses as readonly number[]).includes(res.status), `${path}: ${res.status}`);
      // The same keep-alive sockets carry the next requests: none may be left half-read.
      for (let i = 0; i < 3; i++) assert.equal((await rawRequest(idp.url, { method: 'GET', path: '/jwks' }, ANSWER_WITHIN_MS)).status, 200);
    }
  });

  test('afterwards the IdP still answers and signs people in', async () => {
    const discovery = await fetch(`${idp.url}/.well-known/openid-configuration`);
    assert.equal(discovery.status, 200);
    const { tokens } = await signInForTokens(setupBrowser(), idp, CONFIDENTIAL_CLIENT, 'fuzz-customer', PASSWORD);
    assert.ok(tokens.access_token.length > 20);
  });
});
