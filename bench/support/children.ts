// Running the benchmark's helper processes (load client, argon2 reference, bare provider) with
// the same Node as the benchmark, talking over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadJob, LoadReport } from '../load/jobs.ts';

const LOAD_CLIENT = fileURLToPath(new URL('../load/client.ts', import.meta.url));

type Answer<T> = { ok: true; result: T } | { ok: false; error: string };

/** Forks `script`, sends it `message`, and resolves with its one answer. */
export function askChild<T>(script: string, message: unknown, timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env });
  return new Promise<T>((resolve, reject) => {
    let answered = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('message', (answer: Answer<T>) => {
      answered = true;
      clearTimeout(timer);
      if (answer.ok) resolve(answer.result);
      else reject(new Error(answer.error));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!answered) reject(new Error(`${script} exited (${code ?? signal}) without an answer`));
    });
    child.send(message as object);
  });
}

/** Runs one load job in a separate process; generous timeout over the job's own bound. */
export function runLoad(job: LoadJob): Promise<LoadReport> {
  const budget = (job.limits.warmupMs ?? 0) + job.limits.durationMs + 60_000;
  return askChild<LoadReport>(LOAD_CLIENT, job, budget);
}

/** Stops a child: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
