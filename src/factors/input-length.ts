// The length rule for what a person submits: a value over its limit is refused whole, never cut.
// A cut value is a different value: a stored 1024-character password followed by anything at all
// would sign in, and 'c2' + spaces + 'SOMEONE-ELSE' would name the account c2 once cut and trimmed.

/**
 * True when `value` has at most `maxChars` characters, counted as code points: the CLI counts a
 * new password that way, so a password it accepted (even one of emoji) is never too long here.
 * It depends on the value alone, so refusing by it tells nothing about any account.
 */
export function isWithinLimit(value: string, maxChars: number): boolean {
  // A code point is one or two UTF-16 units: most values are decided without counting.
  if (value.length <= maxChars) return true;
  if (value.length > 2 * maxChars) return false;
  let count = 0;
  for (const _ of value) if (++count > maxChars) return false;
  return true;
}
