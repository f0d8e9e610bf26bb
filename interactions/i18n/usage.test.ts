// Every message key is translated in every language (the catalogue types enforce it) and used
// somewhere in the code; keys built at run time are listed here with the values they can take.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nl } from './nl.ts';
import { fr } from './fr.ts';
import { en } from './en.ts';
import { ROLES } from '../../src/accounts/types.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Keys composed from a prefix and a value (e.g. t(`consent.scope.${scope}`)). */
const DYNAMIC: Record<string, string[]> = {
  'consent.scope.': ['openid', 'profile', 'email', 'roles', 'offline_access'],
  'account.role.': [...ROLES],
  'account.password.': ['too_short', 'too_long', 'control_character', 'mismatch', 'same_as_current', 'common'],
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return /\.ts$/.test(name) && !/\.test\.ts$/.test(name) && !full.includes(`${path.sep}i18n${path.sep}`) ? [full] : [];
  });
}

test('every message key is used by the code', () => {
  const code = [...sources(path.join(ROOT, 'interactions')), ...sources(path.join(ROOT, 'src'))].map((f) => readFileSync(f, 'utf8')).join('\n');
  const unused = Object.keys(nl).filter((key) => {
    if (code.includes(`'${key}'`)) return false;
    const prefix = Object.keys(DYNAMIC).find((p) => key.startsWith(p) && DYNAMIC[p]!.includes(key.slice(p.length)));
    // The template form (`prefix${`), not the prefix alone: literal keys contain the prefix too.
    return !(prefix && code.includes(`${prefix}\${`));
  });
  assert.deepEqual(unused, []);
});

test('every language has every key, none empty', () => {
  for (const [name, catalogue] of Object.entries({ fr, en })) {
    assert.deepEqual(Object.keys(catalogue).sort(), Object.keys(nl).sort(), name);
    for (const [k, v] of Object.entries(catalogue)) assert.ok(v.trim().length > 0, `${name}: empty ${k}`);
  }
});
