// The admin CLI (`jullix-idp`, src/cli/main.ts) run as a child process against an IdP's data
// folder: the e2e tests create users and clients exactly the way an operator does.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { nodeBinary, REPO_ROOT } from './node.ts';

const CLI_ENTRY = path.join(REPO_ROOT, 'src', 'cli', 'main.ts');

export interface CliResult { code: number | null; stdout: string; stderr: string }

/** Runs `jullix-idp <args>` with `env` (DATA_DIR, ISSUER, …) and optional stdin. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<CliResult> {
  if (!existsSync(CLI_ENTRY)) throw new Error(`the admin CLI is missing: ${CLI_ENTRY}`);
  const child = spawn(nodeBinary(), [CLI_ENTRY, ...args], { cwd: REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  child.stdin.end(stdin ?? '');
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c) => resolve(c));
  });
  return { code, stdout, stderr };
}

/** Like runCli, but a non-zero exit is an error that shows what the CLI said. */
export async function runCliOk(args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<string> {
  const result = await runCli(args, env, stdin);
  if (result.code !== 0) {
    throw new Error(`jullix-idp ${args.join(' ')} exited with ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  }
  return result.stdout;
}

export type Role = 'customer' | 'installer' | 'admin';
export interface NewUser { username: string; password: string; email: string; name: string; role: Role }

export async function addUser(env: NodeJS.ProcessEnv, u: NewUser): Promise<void> {
  await runCliOk(['user', 'add', u.username, '--email', u.email, '--name', u.name, '--role', u.role, '--password-stdin'], env, u.password);
}

export interface NewClient {
  name: string;
  redirectUri: string;
  postLogoutRedirectUri?: string;
  public?: boolean;
  firstParty?: boolean;
}

export interface ClientCredentials { clientId: string; clientSecret?: string }

export async function addClient(env: NodeJS.ProcessEnv, c: NewClient): Promise<ClientCredentials> {
  const args = ['client', 'add', '--name', c.name, '--redirect-uri', c.redirectUri];
  if (c.postLogoutRedirectUri) args.push('--post-logout-redirect-uri', c.postLogoutRedirectUri);
  if (c.public) args.push('--public');
  if (c.firstParty) args.push('--first-party');
  args.push('--json');
  const stdout = await runCliOk(args, env);
  return parseClientJson(stdout);
}

function parseClientJson(stdout: string): ClientCredentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new Error(`jullix-idp client add --json did not print JSON:\n${stdout}`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`unexpected client JSON: ${stdout}`);
  const { client_id: clientId, client_secret: clientSecret } = parsed as Record<string, unknown>;
  if (typeof clientId !== 'string') throw new Error(`client JSON without client_id: ${stdout}`);
  return typeof clientSecret === 'string' ? { clientId, clientSecret } : { clientId };
}
