// The protocol's own ceiling: bare oidc-provider (the version the IdP uses) with its in-memory
// adapter and a minimal configuration, serving the same clients with the same signing keys.
// Started by the benchmark with fork(); it answers IPC requests until it is told to stop.
import Provider, { type ClientMetadata, type Configuration, type JWK } from 'oidc-provider';

export type BareRequest =
  | { op: 'start'; port: number; jwks: { keys: JWK[] }; clients: ClientMetadata[] }
  | { op: 'mint-refresh-tokens'; clientId: string; count: number };

let provider: Provider | undefined;

async function start(req: Extract<BareRequest, { op: 'start' }>): Promise<{ issuer: string }> {
  const issuer = `http://localhost:${req.port}`;
  const configuration: Configuration = {
    clients: req.clients,
    jwks: req.jwks,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
    },
    scopes: ['openid', 'offline_access'],
    // The same lifetimes and rotation as the IdP, so both do the same work per grant.
    ttl: { AccessToken: 3600, AuthorizationCode: 60, ClientCredentials: 600, IdToken: 3600, Grant: 14 * 86400, RefreshToken: 14 * 86400, Session: 86400, Interaction: 900 },
    rotateRefreshToken: true,
  };
  provider = new Provider(issuer, configuration);
  await new Promise<void>((resolve) => provider?.listen(req.port, resolve));
  return { issuer };
}

/** Refresh tokens as a finished sign-in would leave them: a grant with openid offline_access. */
async function mint(req: Extract<BareRequest, { op: 'mint-refresh-tokens' }>): Promise<string[]> {
  if (!provider) throw new Error('not started');
  const client = await provider.Client.find(req.clientId);
  if (!client) throw new Error(`no client ${req.clientId}`);
  const tokens: string[] = [];
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < req.count; i++) {
    const accountId = `bench-account-${i}`;
    const grant = new provider.Grant({ accountId, clientId: req.clientId });
    grant.addOIDCScope('openid offline_access');
    const grantId = await grant.save();
    const token = new provider.RefreshToken({ accountId, client, grantId, scope: 'openid offline_access', gty: 'authorization_code', authTime: now, iiat: now });
    tokens.push(await token.save());
  }
  return tokens;
}

process.on('message', (req: BareRequest) => {
  const work: Promise<unknown> = req.op === 'start' ? start(req) : mint(req);
  work.then(
    (result) => process.send?.({ ok: true, result }),
    (err: unknown) => process.send?.({ ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) }),
  );
});
process.once('SIGTERM', () => process.exit(0));
// The benchmark is gone (crashed or interrupted): so is the reason to serve.
process.once('disconnect', () => process.exit(0));
