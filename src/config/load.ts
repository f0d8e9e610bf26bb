// Loads config/default.json, then config/<NODE_ENV>.json and config/local.json when present, then
// environment variables; validates the result and reports every problem at once.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { IdpError } from '../errors.ts';
import { projectPath } from '../paths.ts';
import { configSchema, type Config } from './schema.ts';

type Json = Record<string, unknown>;
export type Env = Record<string, string | undefined>;

const CONFIG_DIR = projectPath('config');

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const prev = out[k];
    out[k] = isObject(prev) && isObject(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

function readJson(file: string, problems: string[]): Json {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (isObject(parsed)) return parsed;
    problems.push(`${file}: must hold a JSON object`);
  } catch (err) {
    problems.push(`${file}: ${(err as Error).message}`);
  }
  return {};
}

/** Environment variables and where they go; values are parsed by type. */
const ENV_MAP: Array<[string, string[], 'string' | 'int' | 'bool' | 'list']> = [
  ['PORT', ['port'], 'int'],
  ['ISSUER', ['issuer'], 'string'],
  ['DATA_DIR', ['dataDir'], 'string'],
  ['DATABASE_URL', ['databaseUrl'], 'string'],
  ['LOG_LEVEL', ['logLevel'], 'string'],
  ['TRUST_PROXY', ['trustProxy'], 'bool'],
  ['MIGRATE_ON_START', ['migrateOnStart'], 'bool'],
  ['SHUTDOWN_GRACE_SECONDS', ['shutdownGraceSeconds'], 'int'],
  ['DISPLAY_NAME', ['branding', 'displayName'], 'string'],
  ['MFA_REQUIRED_ROLES', ['mfa', 'requiredRoles'], 'list'],
  ['AAL2_MAX_AGE_SECONDS', ['mfa', 'aal2MaxAgeSeconds'], 'int'],
  ['SESSION_TTL_SECONDS', ['sessions', 'sessionTtlSeconds'], 'int'],
  ['SESSION_IDLE_TIMEOUT_SECONDS', ['sessions', 'idleTimeoutSeconds'], 'int'],
  ['SIGNING_KEYS_REFRESH_SECONDS', ['signingKeys', 'refreshSeconds'], 'int'],
  ['JWKS', ['secrets', 'jwks'], 'string'],
  ['COOKIE_KEYS', ['secrets', 'cookieKeys'], 'string'],
  ['DATA_ENCRYPTION_KEY', ['secrets', 'dataEncryptionKeys'], 'string'],
  ['DATA_ENCRYPTION_KEYS', ['secrets', 'dataEncryptionKeys'], 'string'],
  ['METRICS_PORT', ['metrics', 'port'], 'int'],
  ['METRICS_HOST', ['metrics', 'host'], 'string'],
  ['METRICS_TOKEN', ['metrics', 'token'], 'string'],
];

/**
 * How a setting is named in a message: by its environment variable and its config file key (e.g.
 * "SHUTDOWN_GRACE_SECONDS (shutdownGraceSeconds)"), so either way of setting it is found.
 */
function settingName(dotted: string): string {
  if (dotted === '') return '(root)';
  const top = dotted.replace(/\.\d+$/, '');
  const variable = top === 'nodeEnv' ? 'NODE_ENV' : ENV_MAP.filter(([, keys]) => keys.join('.') === top).map(([name]) => name).at(-1);
  return variable === undefined ? dotted : `${variable} (${dotted})`;
}

/** Every environment variable the IdP reads (NODE_ENV too): test and bench harnesses clear them all. */
export const CONFIG_ENV_VARIABLES: readonly string[] = ['NODE_ENV', ...ENV_MAP.map(([name]) => name)];

function parseEnvValue(name: string, raw: string, kind: 'string' | 'int' | 'bool' | 'list', problems: string[]): unknown {
  if (kind === 'string') return raw;
  if (kind === 'list') return raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (kind === 'bool') {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    problems.push(`${name}: expected true or false, got "${raw}"`);
    return undefined;
  }
  if (/^\d+$/.test(raw.trim())) return Number(raw.trim());
  problems.push(`${name}: expected a whole number, got "${raw}"`);
  return undefined;
}

function setPath(target: Json, keys: string[], value: unknown): void {
  let node = target;
  for (const k of keys.slice(0, -1)) {
    const next = node[k];
    node = isObject(next) ? next : (node[k] = {});
  }
  const last = keys[keys.length - 1];
  if (last !== undefined) node[last] = value;
}

/** The issuer when none is set, in the normal form the issuer rule asks for (PORT=80 gives no ":80"). */
export function defaultIssuer(port: number): string {
  const url = URL.parse(`http://localhost:${port}`);
  return url === null ? `http://localhost:${port}` : `${url.protocol}//${url.host}`;
}

/** Returns the validated config, or throws IdpError('config_invalid') listing every problem. */
export function loadConfig(env: Env = process.env, configDir = CONFIG_DIR): Config {
  const problems: string[] = [];
  const nodeEnv = env.NODE_ENV?.trim() || 'development';
  let raw: Json = readJson(path.join(configDir, 'default.json'), problems);
  for (const extra of [`${nodeEnv}.json`, 'local.json']) {
    const file = path.join(configDir, extra);
    if (existsSync(file)) raw = deepMerge(raw, readJson(file, problems));
  }
  raw.nodeEnv = nodeEnv;
  for (const [name, keys, kind] of ENV_MAP) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    const parsed = parseEnvValue(name, value, kind, problems);
    if (parsed !== undefined) setPath(raw, keys, parsed);
  }
  // The default issuer follows the port. With a bad port (PORT=70000) the operator, who never set
  // ISSUER, was also told ISSUER "must be an http(s) URL": only the port is reported then.
  const issuerFromPort = raw.issuer === undefined;
  // PORT=0 listens on whatever port the system picks: discovery then announced http://localhost:0,
  // an issuer no relying app can reach, and the port is only known after the listen.
  const noIssuerFromPort = issuerFromPort && raw.port === 0;
  if (noIssuerFromPort) problems.push('PORT (port): 0 lets the system pick any free port, so the issuer cannot follow from it: set ISSUER to the URL relying apps reach this IdP at (e.g. http://localhost:3000), or set a fixed PORT');
  else if (issuerFromPort && typeof raw.port === 'number') raw.issuer = defaultIssuer(raw.port);
  if (!isObject(raw.secrets)) raw.secrets = {};
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const portRefused = noIssuerFromPort || result.error.issues.some((issue) => issue.path[0] === 'port');
    for (const issue of result.error.issues) {
      if (issuerFromPort && portRefused && issue.path[0] === 'issuer') continue;
      problems.push(`${settingName(issue.path.join('.'))}: ${issue.message}`);
    }
  }
  if (problems.length > 0 || !result.success) {
    throw new IdpError('config_invalid', `Invalid configuration:\n  - ${problems.join('\n  - ')}`, { expose: true });
  }
  return { ...result.data, dataDir: path.resolve(result.data.dataDir) };
}

export function isProduction(config: Config): boolean {
  return config.nodeEnv === 'production';
}
