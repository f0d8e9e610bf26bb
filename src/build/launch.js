// Picks what an entry point runs: the compiled build in dist/ (written by `npm install` and
// `npm run build`) when it was built from exactly the sources on disk (./digest.js), the
// TypeScript sources otherwise, so an edit never runs stale. Why a build at all: stripping types
// at every start costs the server about 200 ms and 30 MiB of resident memory for the whole life of
// the process, and every CLI command about 0.3 s (Node's type stripper is WebAssembly;
// docs/performance.md, seventh and eighth rounds). Plain JavaScript on purpose: a .ts launcher
// would load the stripper it exists to avoid.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIGEST_FILE, DIST, ROOT, sourceDigest } from './digest.js';

function buildIsCurrent(entry) {
  if (!existsSync(path.join(DIST, `${entry}.js`)) || !existsSync(DIGEST_FILE)) return false;
  return readFileSync(DIGEST_FILE, 'utf8').trim() === sourceDigest();
}

/** Imports `entry` (a path under the project root without extension, e.g. 'src/main'), built or not. */
export async function runEntry(entry) {
  const file = buildIsCurrent(entry) ? path.join(DIST, `${entry}.js`) : path.join(ROOT, `${entry}.ts`);
  await import(pathToFileURL(file).href);
}
