// Where the project's own files are (config/, migrations/, interactions/assets/, src/security's
// word list), whether this code runs from its sources (<root>/src) or from the compiled build
// that `npm start` and the CLI prefer (<root>/dist/src, see src/build/launch.js). Files that are not code are never
// copied into dist/, so both read the same ones.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const parent = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** The directory that holds package.json. */
export const PROJECT_ROOT = existsSync(path.join(parent, 'package.json')) ? parent : path.dirname(parent);

/** A path inside the project, from its root. */
export function projectPath(...segments: string[]): string {
  return path.join(PROJECT_ROOT, ...segments);
}
