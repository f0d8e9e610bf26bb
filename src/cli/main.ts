#!/usr/bin/env node
// The jullix-idp admin command. The package's bin (src/cli.js, `npx jullix-idp ...` from the
// project folder) runs its compiled build when current; Node 22 also runs this file directly.
import { runCli } from './run.ts';

// `jullix-idp user list | head -1` closes the pipe early: that is the reader's choice, not a crash.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  process.stderr.write(`jullix-idp: cannot write the output: ${err.message}\n`);
  process.exit(1);
});

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdin: process.stdin,
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
});
