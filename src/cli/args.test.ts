// Command-line parsing: a value that starts with a dash reaches the schema, which says what it must be.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { parseCommand, UsageError } from './args.ts';

const spec = {
  name: 'registration-token create',
  options: { 'expires-in': { type: 'string' as const }, name: { type: 'string' as const } },
  positionals: [],
  schema: z.object({
    'expires-in': z.string().regex(/^\d+[smhd]?$/, 'must be a duration such as 30m, 12h, 7d').optional(),
    name: z.string().optional(),
  }),
};

const usage = (argv: string[]): string => {
  try {
    parseCommand(argv, spec);
  } catch (err) {
    assert.ok(err instanceof UsageError);
    return err.message;
  }
  assert.fail(`accepted ${argv.join(' ')}`);
};

test('a negative number after an option is its value, judged by the schema (not parseArgs\' "ambiguous")', () => {
  assert.equal(usage(['--expires-in', '-5']), '--expires-in: must be a duration such as 30m, 12h, 7d');
  assert.equal(usage(['--expires-in', '-5m']), '--expires-in: must be a duration such as 30m, 12h, 7d');
  assert.equal(usage(['--expires-in=-5']), '--expires-in: must be a duration such as 30m, 12h, 7d');
  assert.deepEqual(parseCommand(['--name', '-5', '--expires-in', '5m'], spec), { help: false, json: false, args: { name: '-5', 'expires-in': '5m' } });
});

test('after "--" nothing is joined: those are positionals', () => {
  assert.equal(usage(['--', '--expires-in', '-5']), 'unexpected arguments: --expires-in -5');
});

test('an option followed by another option, or by a value with a dash, says how to write such a value', () => {
  assert.equal(usage(['--expires-in', '--json']), '--expires-in needs a value, and the argument after it starts with "-"; for a value that starts with "-", write --expires-in=<value>');
  assert.equal(usage(['--name', '-x']), '--name needs a value, and the argument after it starts with "-"; for a value that starts with "-", write --name=<value>');
  assert.equal(usage(['--colour']), "Unknown option '--colour'", 'other refusals keep parseArgs\' first sentence');
});

test('a positional that starts with one dash is pointed after "--", where it is taken as given', () => {
  const revoke = { name: 'registration-token revoke', options: {}, positionals: ['token'], schema: z.object({ token: z.string() }) };
  assert.throws(() => parseCommand(['-sIzVn'], revoke), {
    message: 'unknown option -sIzVn; for a <token> that starts with "-", put it after "--": jullix-idp registration-token revoke -- -sIzVn',
  });
  assert.deepEqual(parseCommand(['--', '-sIzVn'], revoke), { help: false, json: false, args: { token: '-sIzVn' } });
});

test('a value with a dash after an option is still explained as that option\'s', () => {
  const add = { name: 'user add', options: { name: { type: 'string' as const } }, positionals: ['username'], schema: z.object({ username: z.string(), name: z.string() }) };
  assert.throws(() => parseCommand(['bob', '--name', '-x'], add), { message: /^--name needs a value/ });
});
