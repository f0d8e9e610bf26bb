// `npm start`: runs the compiled build in dist/ (written by `npm install` and `npm run build`)
// when it was built from exactly the sources on disk (src/build/digest.js), and the TypeScript
// sources otherwise, so an edit is never served stale. Why a build at all: stripping types at
// every start costs about 200 ms and 30 MiB of resident memory for the whole life of the process
// (Node's type stripper is WebAssembly; docs/performance.md, seventh round). Plain JavaScript on
// purpose: a .ts launcher would load the stripper it exists to avoid.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIGEST_FILE, DIST, ROOT, sourceDigest } from './build/digest.js';

function buildIsCurrent() {
  if (!existsSync(path.join(DIST, 'src', 'main.js')) || !existsSync(DIGEST_FILE)) return false;
  return readFileSync(DIGEST_FILE, 'utf8').trim() === sourceDigest();
}

const main = buildIsCurrent() ? path.join(DIST, 'src', 'main.js') : path.join(ROOT, 'src', 'main.ts');
await import(pathToFileURL(main).href);
