// `npm start`: the server, from the compiled build when it is current, else from the sources
// (./build/launch.js says why and how that is decided).
import { runEntry } from './build/launch.js';

await runEntry('src/main');
