// Where the repository is and which Node runs its TypeScript (22+, for type stripping).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * `npm start` runs `node src/start.js` with node_modules/.bin first on PATH, i.e. Node 22. Under
 * `npm run test:e2e` the Playwright workers already run on that Node, so process.execPath is it;
 * started some other way (system Node 20), fall back to the repository's own Node 22.
 */
export function nodeBinary(): string {
  const major = Number(process.versions.node.split('.')[0]);
  return major >= 22 ? process.execPath : path.join(REPO_ROOT, 'node_modules', '.bin', 'node');
}
