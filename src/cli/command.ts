// The shape of a jullix-idp command: parse and validate the arguments, answer --help, then run.
// Parsing happens before any database work, so a usage error never creates DATA_DIR.
import type { z } from 'zod';
import type { Env } from '../config/load.ts';
import { parseCommand, UsageError, type OptionSpec } from './args.ts';

/** Everything a command touches outside itself; main.ts passes the process's own. */
export interface CliIo {
  env: Env;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Results: a line of text or JSON, for people and scripts. */
  out(text: string): void;
  /** Notices, warnings and errors, so `--json` output stays parseable. */
  err(text: string): void;
}

export interface Command {
  /** One line, for the parent's command list. */
  summary: string;
  run(argv: string[], io: CliIo): Promise<void>;
}

export interface CommandDefinition<S extends z.ZodType> {
  /** e.g. "user add" */
  name: string;
  summary: string;
  /** The full --help text. */
  help: string;
  options: OptionSpec;
  positionals?: string[];
  schema: S;
  run(args: z.infer<S>, ctx: { json: boolean; io: CliIo }): Promise<void>;
}

export function defineCommand<S extends z.ZodType>(def: CommandDefinition<S>): Command {
  return {
    summary: def.summary,
    async run(argv, io) {
      const parsed = parseCommand(argv, { name: def.name, options: def.options, positionals: def.positionals ?? [], schema: def.schema });
      if (parsed.help) {
        io.out(def.help.trim());
        return;
      }
      await def.run(parsed.args, { json: parsed.json, io });
    },
  };
}

/** A command made of subcommands ("user add", "user list", ...) with a generated help page. */
export function commandGroup(name: string, summary: string, subcommands: Record<string, Command>): Command {
  const help = [
    `Usage: jullix-idp ${name} <command> [options]`,
    '',
    summary,
    '',
    'Commands:',
    ...Object.entries(subcommands).map(([sub, cmd]) => `  ${sub.padEnd(16)}${cmd.summary}`),
    '',
    `Run "jullix-idp ${name} <command> --help" for a command's options.`,
  ].join('\n');
  return {
    summary,
    async run(argv, io) {
      const [sub, ...rest] = argv;
      if (sub === '--help' || sub === '-h' || sub === 'help') {
        io.out(help);
        return;
      }
      if (sub === undefined) throw new UsageError(`missing a command; one of: ${Object.keys(subcommands).join(', ')}`, name);
      const command = Object.hasOwn(subcommands, sub) ? subcommands[sub] : undefined;
      if (command === undefined) {
        throw new UsageError(`unknown command "${name} ${sub}"; one of: ${Object.keys(subcommands).join(', ')}`, name);
      }
      await command.run(rest, io);
    },
  };
}
