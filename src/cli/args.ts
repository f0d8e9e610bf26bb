// Command-line parsing: node:util parseArgs (strict) for the shape, then a zod schema for the
// values, so every command argument is checked before the database is touched (STYLE habit 2).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { z } from 'zod';

/** Bad input on the command line: shown with a pointer to --help, exit status 2. */
export class UsageError extends Error {
  /** The command whose --help to point at, e.g. "user add"; empty for the tool itself. */
  readonly command: string;

  constructor(message: string, command: string) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Every command accepts these. */
const COMMON: OptionSpec = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
};

export interface ParsedArgs<T> {
  help: false;
  json: boolean;
  args: T;
}

export interface CommandSpec<S extends z.ZodType> {
  options: OptionSpec;
  /** Names of the positional arguments, in order; all required, no extras. */
  positionals: string[];
  /** Validates `{ <positional name>: value, <long option name>: value }`. */
  schema: S;
  /** The command's name, e.g. "user add", for the --help hint after a usage error. */
  name: string;
}

/** Parses argv with parseArgs (strict), then checks the values with the command's schema. */
export function parseCommand<S extends z.ZodType>(argv: string[], spec: CommandSpec<S>): ParsedArgs<z.infer<S>> | { help: true } {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  const options = { ...COMMON, ...spec.options };
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv, options), options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(dashedPositionalHint(err, argv, spec) ?? parseArgsMessage(err), spec.name);
  }
  if (parsed.values['help'] === true) return { help: true };
  const named: Record<string, unknown> = { ...parsed.values };
  const problems: string[] = [];
  spec.positionals.forEach((name, i) => {
    const value = parsed.positionals[i];
    if (value === undefined) problems.push(`missing <${name}>`);
    else named[name] = value;
  });
  const extra = parsed.positionals.slice(spec.positionals.length);
  if (extra.length > 0) problems.push(`unexpected argument${extra.length > 1 ? 's' : ''}: ${extra.join(' ')}`);
  if (problems.length > 0) throw new UsageError(problems.join('\n'), spec.name);
  const result = spec.schema.safeParse(named);
  if (!result.success) {
    const messages = result.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '');
      const where = key === '' ? '' : spec.positionals.includes(key) ? `<${key}>` : `--${key}`;
      return where === '' ? issue.message : `${where}: ${issue.message}`;
    });
    throw new UsageError(messages.join('\n'), spec.name);
  }
  return { help: false, json: parsed.values['json'] === true, args: result.data };
}

/**
 * `--expires-in -5` becomes `--expires-in=-5`. parseArgs takes every argument that starts with a dash
 * for an option and refuses the pair as "ambiguous", so the schema never got to say what the value
 * must be. A dash and a digit is never one of our options (the only short one is -h): it is the value.
 */
function joinNegativeValues(argv: readonly string[], options: OptionSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    // After "--" every argument is positional, as parseArgs has it.
    if (arg === '--') return [...out, ...argv.slice(i)];
    const name = /^--([^=]+)$/.exec(arg)?.[1];
    const next = argv[i + 1];
    if (name !== undefined && Object.hasOwn(options, name) && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/**
 * For a command that takes a positional: an argument with one dash that is no option of ours is
 * meant as that value. A registration token's fingerprint starts with "-" one time in 64, and
 * `registration-token revoke -sIzVn` said only "Unknown option '-s'".
 */
function dashedPositionalHint(err: unknown, argv: readonly string[], spec: { name: string; positionals: string[] }): string | undefined {
  const letter = /^Unknown option '-([^-])'/.exec(err instanceof Error ? err.message : '')?.[1];
  const end = argv.indexOf('--');
  const arg = (end === -1 ? argv : argv.slice(0, end)).find((a) => letter !== undefined && a.startsWith(`-${letter}`));
  const first = spec.positionals[0];
  if (arg === undefined || first === undefined) return undefined;
  return `unknown option ${arg}; for a <${first}> that starts with "-", put it after "--": jullix-idp ${spec.name} -- ${arg}`;
}

/** parseArgs' refusal in our words: its first sentence ("Unknown option '--x'"), without its hints about "--". */
function parseArgsMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  // `--name --json` (a value forgotten) or `--name -x` (a value that starts with a dash).
  const ambiguous = /^Option '(-[^']*)' argument is ambiguous/.exec(message);
  if (ambiguous) {
    const long = /'(--[^'=]+)=-XYZ'/.exec(message)?.[1] ?? ambiguous[1];
    return `${ambiguous[1]} needs a value, and the argument after it starts with "-"; for a value that starts with "-", write ${long}=<value>`;
  }
  return message.replace(/\. To specify a positional argument[\s\S]*$/, '').split('\n')[0] ?? message;
}

/** Reads all of a stream's bytes, refusing more than `maxBytes` (a password is never that long). */
export async function readAll(stream: NodeJS.ReadableStream, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > maxBytes) return undefined;
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/**
 * The bytes as UTF-8 text, or undefined when they are not UTF-8. Buffer#toString would put U+FFFD
 * in place of every bad byte: a password piped from a Latin-1 terminal ("p\xe4ss...") would be
 * stored as another password than the one the person types into the browser (which sends UTF-8),
 * and different inputs would collapse into one.
 */
export function utf8Text(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
