// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function, the biggest first.
import { readFileSync } from 'node:fs';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

export interface ProfileRow { name: string; selfMs: number; percent: number }
export interface ProfileSummary { totalMs: number; idleMs: number; top: ProfileRow[]; byArea: ProfileRow[] }

/** "fn file:line", with the path cut to what says where it lives (package or our folder). */
function frameName(cf: CallFrame): string {
  const fn = cf.functionName || '(anonymous)';
  if (!cf.url) return fn;
  const url = cf.url.replace(/^file:\/\//, '');
  const nm = url.lastIndexOf('node_modules/');
  const short = nm >= 0 ? url.slice(nm + 'node_modules/'.length) : url.split('/').slice(-2).join('/');
  return `${fn} ${short}:${cf.lineNumber + 1}`;
}

/** Where a frame's code lives: a package, one of our folders, Node itself, or V8's own buckets. */
function areaOf(cf: CallFrame): string {
  const url = cf.url.replace(/^file:\/\//, '');
  if (!url) return cf.functionName.startsWith('(') ? cf.functionName : '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : rest[0] ?? url;
  }
  if (url.startsWith('node:') || !url.startsWith('/')) return 'node internals';
  const ours = /\/(src\/[^/]+|interactions|bench)\//.exec(url);
  return ours?.[1] ? `ours: ${ours[1]}` : url;
}

/**
 * `fromUs`: only samples taken after this CLOCK_MONOTONIC time in µs (process.hrtime in any
 * process on the machine, the clock V8 stamps its samples with), to leave start-up out.
 */
export function summariseProfile(file: string, limit = 20, fromUs = 0): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const dt = profile.timeDeltas[i] ?? 0;
    at += dt;
    if (at < fromUs) return;
    total += dt;
    if (!node) return;
    const name = frameName(node.callFrame);
    self.set(name, (self.get(name) ?? 0) + dt);
    const area = areaOf(node.callFrame);
    areas.set(area, (areas.get(area) ?? 0) + dt);
  });
  const idle = self.get('(idle)') ?? 0;
  const busy = total - idle;
  const rows = (m: Map<string, number>, n: number) => [...m].filter(([name]) => name !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, n)
    .map(([name, us]) => ({ name, selfMs: us / 1000, percent: busy > 0 ? (100 * us) / busy : 0 }));
  return { totalMs: total / 1000, idleMs: idle / 1000, top: rows(self, limit), byArea: rows(areas, limit) };
}
