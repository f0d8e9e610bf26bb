// `npm run demo`: the IdP with demo data (an installer and a customer) plus the demo relying app,
// so a developer can try sign-in, step-up and sign-out end to end in a browser.
//   DEMO_DATA_DIR (default ./data-demo), PORT (IdP, default 3000), DEMO_PORT (app, default 8080).
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { startIdp } from '../../src/server.ts';
import { startDemoRp } from './server.ts';

const idpPort = Number(process.env['PORT'] ?? '3000');
const appPort = Number(process.env['DEMO_PORT'] ?? '8080');
const dataDir = path.resolve(process.env['DEMO_DATA_DIR'] ?? './data-demo');
const issuer = `http://localhost:${idpPort}`;

const idp = await startIdp({ env: { ...process.env, PORT: String(idpPort), ISSUER: issuer, DATA_DIR: dataDir, LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn' } });
const { accounts, hasher } = idp.app;

/** Creates the demo person once; later runs keep them (and their 2FA) as they are. */
async function demoUser(username: string, role: 'installer' | 'customer', name: string): Promise<string> {
  const existing = await accounts.findByUsername(username);
  if (existing) return '(unchanged since the first demo run)';
  const password = `demo-${randomBytes(6).toString('base64url')}`;
  await accounts.create({ username, email: `${username}@demo.jullix.test`, name, role, passwordHash: await hasher.hash(password) });
  return password;
}

const installerPassword = await demoUser('installer', 'installer', 'Ina Installateur');
const customerPassword = await demoUser('customer', 'customer', 'Kees Klant');

const redirectUri = `http://127.0.0.1:${appPort}/callback`;
const clientId = 'demo-app';
await idp.db('oidc_models').insert({
  model: 'Client', id: clientId, expires_at: null,
  payload: JSON.stringify({
    client_id: clientId, client_name: 'Jullix demo app', token_endpoint_auth_method: 'none', application_type: 'web',
    grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
    redirect_uris: [redirectUri], post_logout_redirect_uris: [`http://127.0.0.1:${appPort}/`], jullix_first_party: true,
  }),
}).onConflict(['model', 'id']).merge();

const rp = await startDemoRp({ issuer, clientId, port: appPort });
console.log(`
Jullix demo
  identity provider  ${issuer}   (data in ${dataDir})
  demo app           ${rp.url}
  account page       ${issuer}/account

  installer / ${installerPassword}   (must set up two-step verification at the first sign-in)
  customer  / ${customerPassword}

Open ${rp.url} and press "Sign in". Ctrl+C stops both.
`);

const stop = () => { Promise.all([rp.close(), idp.close()]).then(() => process.exit(0), () => process.exit(1)); };
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
