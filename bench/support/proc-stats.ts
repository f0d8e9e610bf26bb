// What the kernel says about a process: resident set size and CPU time, for the whole process
// and per thread (/proc/<pid>/status, /proc/<pid>/stat, /proc/<pid>/task/<tid>/stat).
import { readdirSync, readFileSync } from 'node:fs';

/** Resident set size from /proc/<pid>/status (VmRSS), in MiB. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) / 1024;
}

/** utime + stime from a /proc stat line, in ms. */
function statCpuMs(stat: string): number {
  // Fields after the command name (which may hold spaces) start at state, field 3; utime is 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * (1000 / CLOCK_TICKS_PER_SECOND);
}

/** CPU time (user + system, all threads) the process has used so far, in ms (/proc/<pid>/stat). */
export function cpuMs(pid: number): number {
  return statCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/**
 * CPU time so far per kind of thread: 'main' (the event loop), 'libuv-worker' (the thread pool:
 * argon2 and SQLite), and V8's own threads (GC, compiler) under their names.
 */
export function threadCpuMs(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const name = Number(tid) === pid ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    out[name] = (out[name] ?? 0) + statCpuMs(stat);
  }
  return out;
}

// sysconf(_SC_CLK_TCK): 100 on every Linux this runs on (USER_HZ is fixed in the kernel ABI).
const CLOCK_TICKS_PER_SECOND = 100;

/** Samples RSS every `everyMs` until stopped; returns the samples in MiB. */
export function sampleRss(pid: number, everyMs = 200): { stop(): number[] } {
  const samples: number[] = [];
  const take = () => { try { samples.push(rssMb(pid)); } catch { /* process gone */ } };
  take();
  const timer = setInterval(take, everyMs);
  return { stop: () => { clearInterval(timer); take(); return samples; } };
}
