// `npm start`: run the IdP until SIGINT/SIGTERM. Refuses to start, with a clear message, on bad config.
import { isIdpError } from './errors.ts';
import { startIdp } from './server.ts';

// src/start.js runs dist/src/main.js when the build is current (src/build/launch.js); said at
// start-up so nobody wonders which code a running server is.
const RUNS_FROM_BUILD = import.meta.url.endsWith('.js');

async function main(): Promise<void> {
  const idp = await startIdp();
  const { config } = idp;
  const users = await idp.app.accounts.list();
  console.error(`\n${config.branding.displayName} identity provider listening on ${idp.url}`);
  console.error(`  issuer:    ${config.issuer}`);
  console.error(`  code:      ${RUNS_FROM_BUILD ? 'compiled build (dist/)' : 'TypeScript sources (dist/ is missing or was built from other sources: npm run build starts faster)'}`);
  console.error(`  discovery: ${config.issuer}/.well-known/openid-configuration`);
  if (idp.metricsUrl) console.error(`  metrics:   ${idp.metricsUrl}`);
  if (users.length === 0) {
    console.error('\nNo users yet. Add the first one and a relying app:');
    console.error('  printf "%s" "a-long-password" | npx jullix-idp user add alice --email alice@example.com --name "Alice" --role customer --password-stdin');
    console.error('  npx jullix-idp client add --name "My app" --redirect-uri http://localhost:8080/callback --first-party\n');
  }
  const shutdown = (signal: string) => {
    console.error(`${signal}: shutting down`);
    // Serve on, readiness 503, until a second passes without a request (the balancers have taken
    // this instance out), at most half the grace: the rest is for the requests still in flight.
    const graceMs = config.shutdownGraceSeconds * 1000;
    idp.close(graceMs, { quietMs: Math.min(1000, graceMs), maxMs: graceMs / 2 }).then(() => process.exit(0), (err: unknown) => {
      console.error(`jullix-idp: the shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    });
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  if (isIdpError(err) && err.expose) {
    console.error(`jullix-idp cannot start.\n${err.message}`);
  } else {
    console.error('jullix-idp cannot start:', err instanceof Error ? err.message : err);
  }
  process.exit(1);
});
