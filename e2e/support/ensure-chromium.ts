// Makes sure Debian's Chromium is at /usr/bin/chromium before Playwright runs. We never download a
// browser (no `npx playwright install`): on a CI machine running as root we install the distro
// package; anywhere else we stop with a message that says what to do.
import { accessSync, constants } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { CHROMIUM_PATH } from './chromium.ts';

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function run(command: string, args: string[]): void {
  console.error(`ensure-chromium: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (result.error) throw new Error(`cannot run ${command}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
}

function fail(message: string): never {
  console.error(`ensure-chromium: ${message}`);
  process.exit(1);
}

function main(): void {
  if (isExecutable(CHROMIUM_PATH)) return;
  if (process.getuid?.() !== 0) {
    fail(`Chromium is missing at ${CHROMIUM_PATH} and this user is not root, so it cannot be installed here.\n`
      + '  Install Debian\'s package once:  sudo apt-get update && sudo apt-get install -y chromium\n'
      + '  (Do not use `npx playwright install`: the end-to-end tests only run the distro\'s Chromium.)');
  }
  try {
    run('apt-get', ['update']);
    run('apt-get', ['install', '-y', 'chromium']);
  } catch (err) {
    fail(`installing Chromium failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isExecutable(CHROMIUM_PATH)) fail(`apt-get installed "chromium" but ${CHROMIUM_PATH} is still missing or not executable.`);
}

main();
