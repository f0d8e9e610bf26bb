// `node e2e/demo-rp/main.ts`: runs the demo relying app against an IdP that is already running.
//   ISSUER (default http://localhost:3000), CLIENT_ID (required), CLIENT_SECRET (unless public),
//   DEMO_PORT (default 8080). Register it first with the admin CLI, e.g.:
//   npx jullix-idp client add --name "Demo app" --redirect-uri http://127.0.0.1:8080/callback \
//     --post-logout-redirect-uri http://127.0.0.1:8080/ --first-party --json
import { startDemoRp } from './server.ts';

const issuer = process.env['ISSUER'] ?? 'http://localhost:3000';
const clientId = process.env['CLIENT_ID'];
const port = Number(process.env['DEMO_PORT'] ?? '8080');

if (!clientId || !Number.isInteger(port)) {
  console.error('Set CLIENT_ID (and CLIENT_SECRET for a confidential client) to the values printed by `jullix-idp client add --json`.');
  console.error('Optional: ISSUER (default http://localhost:3000), DEMO_PORT (default 8080).');
  process.exit(1);
}

const rp = await startDemoRp({ issuer, clientId, clientSecret: process.env['CLIENT_SECRET'] || undefined, port });
console.error(`Jullix demo app on ${rp.url} (signs in at ${issuer})`);
console.error(`  redirect URI:             ${rp.redirectUri}`);
console.error(`  post-logout redirect URI: ${rp.postLogoutRedirectUri}`);
const stop = () => { rp.close().then(() => process.exit(0), () => process.exit(1)); };
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
