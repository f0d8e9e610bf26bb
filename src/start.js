// `npm start`: runs the compiled build in dist/ (written by `npm install` and `npm run build`)
// when it is newer than the sources it was built from, and the TypeScript sources otherwise, so
// an edit is never served stale. Why a build at all: stripping types at every start costs about
// 90 ms and 30 MiB of resident memory for the whole life of the process (Node's type stripper is
// WebAssembly; docs/performance.md, seventh round). Plain JavaScript on purpose: a .ts launcher
// would load the stripper it exists to avoid.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = path.join(root, 'dist');

/** Every file under `dir` whose name ends in `suffix`, as paths relative to `dir`; none if it is missing. */
function filesUnder(dir, suffix) {
  try {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith(suffix));
  } catch {
    return [];
  }
}

/**
 * True when every compiled file is older than none of the sources it came from: the oldest file
 * of the build is newer than the newest of those sources. A source that is gone is ignored (its
 * output is no longer imported); a new one is imported by an edited file, which is newer.
 */
function buildIsCurrent() {
  const built = filesUnder(dist, '.js');
  if (!built.includes(path.join('src', 'main.js'))) return false;
  let oldestBuilt = Infinity;
  let newestSource = 0;
  for (const file of built) {
    oldestBuilt = Math.min(oldestBuilt, statSync(path.join(dist, file)).mtimeMs);
    try {
      newestSource = Math.max(newestSource, statSync(path.join(root, file.replace(/\.js$/, '.ts'))).mtimeMs);
    } catch {
      // the source was removed since the build
    }
  }
  return newestSource < oldestBuilt;
}

const main = buildIsCurrent() ? path.join(dist, 'src', 'main.js') : path.join(root, 'src', 'main.ts');
await import(pathToFileURL(main).href);
