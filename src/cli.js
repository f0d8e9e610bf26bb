#!/usr/bin/env node
// `npx jullix-idp`, the package's bin: the admin command, from the compiled build when it is
// current, else from the sources (./build/launch.js says why and how that is decided).
import { runEntry } from './build/launch.js';

await runEntry('src/cli/main');
