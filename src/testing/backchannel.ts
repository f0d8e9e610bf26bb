// A relying app's back-channel logout endpoint for tests: records every logout token it is sent,
// with its claims decoded (the signature is the provider's own; tests look at what it says).
import http from 'node:http';
import type * as oidc from 'openid-client';
import type { TestIdp } from './harness.ts';
import { freePort } from './ports.ts';
import { discover, type RpOptions } from './relying-party.ts';

export interface LogoutClaims { iss?: string; aud?: string; sub?: string; sid?: string; events?: Record<string, unknown>; jti?: string }

export interface LogoutReceiver {
  uri: string;
  /** The claims of every logout token received so far, in order. */
  received: LogoutClaims[];
  close(): Promise<void>;
}

export async function startLogoutReceiver(): Promise<LogoutReceiver> {
  const received: LogoutClaims[] = [];
  const port = await freePort();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
    req.on('end', () => {
      const token = new URLSearchParams(body).get('logout_token') ?? '';
      const payload = token.split('.')[1] ?? '';
      received.push(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8') || '{}') as LogoutClaims);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    uri: `http://127.0.0.1:${port}/backchannel`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** Registers a first-party app that wants back-channel logout at `receiver` (with sid), and discovers the IdP for it. */
export async function addLogoutApp(idp: TestIdp, clientId: string, redirectUri: string, receiver: LogoutReceiver): Promise<{ rp: RpOptions; config: oidc.Configuration }> {
  await idp.addClient({
    client_id: clientId, redirect_uris: [redirectUri], token_endpoint_auth_method: 'none', jullix_first_party: true,
    backchannel_logout_uri: receiver.uri, backchannel_logout_session_required: true,
  });
  const rp = { issuer: idp.config.issuer, clientId, redirectUri };
  return { rp, config: await discover(rp) };
}
