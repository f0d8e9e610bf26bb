// Parent side of the bare oidc-provider reference process (bench/reference/bare-provider.ts).
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientMetadata, JWK } from 'oidc-provider';
import type { BareRequest } from '../reference/bare-provider.ts';
import { stopProcess } from './children.ts';
import { freePort } from './idp.ts';
import { CLIENTS } from './seed.ts';

const SCRIPT = fileURLToPath(new URL('../reference/bare-provider.ts', import.meta.url));

export interface BareProvider {
  issuer: string;
  pid: number;
  mintRefreshTokens(clientId: string, count: number): Promise<string[]>;
  stop(): Promise<void>;
}

function ask<T>(child: ChildProcess, req: BareRequest): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onExit = () => reject(new Error('the bare provider exited'));
    child.once('exit', onExit);
    child.once('message', (answer: { ok: true; result: T } | { ok: false; error: string }) => {
      child.off('exit', onExit);
      if (answer.ok) resolve(answer.result);
      else reject(new Error(answer.error));
    });
    child.send(req);
  });
}

/** Starts the bare provider with the IdP instance's signing keys (DATA_DIR/secrets.json). */
export async function startBareProvider(dataDir: string): Promise<BareProvider> {
  const secrets = JSON.parse(readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')) as { jwks: { keys: JWK[] } };
  // Our own metadata key means nothing to a bare provider.
  const clients = CLIENTS.map(({ jullix_first_party: _ignored, ...rest }) => rest as ClientMetadata);
  const port = await freePort();
  // Its start-up warnings (memory adapter, default findAccount) are expected here: not shown.
  const child = fork(SCRIPT, [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  process.once('exit', () => child.kill('SIGKILL'));
  const { issuer } = await ask<{ issuer: string }>(child, { op: 'start', port, jwks: secrets.jwks, clients });
  const pid = child.pid;
  if (pid === undefined) throw new Error('bare provider has no pid');
  return {
    issuer, pid,
    mintRefreshTokens: (clientId, count) => ask<string[]>(child, { op: 'mint-refresh-tokens', clientId, count }),
    stop: () => stopProcess(child),
  };
}
