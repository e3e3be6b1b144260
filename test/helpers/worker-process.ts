/**
 * `npm run worker` (worker/main.ts) as a process of its own, against a test file's Temporal server and database:
 * for tests that kill it, read its output, or need an environment jest's sandboxed process.env cannot give the
 * SDK's threads.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { TestEnv } from './env';

const root = path.join(__dirname, '..', '..');

export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves once the worker polls; rejects, with its output, if it exits first. */
  ready: Promise<void>;
  stdout: () => string;
  stderr: () => string;
  /** Both streams, in the order they arrived. */
  output: () => string;
  /** Sends the signal and resolves once the process has exited (at once if it has). */
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

/** `env` adds to this process's environment; a variable set to undefined is removed. */
export function spawnWorker(t: Pick<TestEnv, 'address' | 'databaseUrl'>, taskQueue: string, env: Record<string, string | undefined> = {}): WorkerProcess {
  const merged: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_ADDRESS: t.address, DATABASE_URL: t.databaseUrl, TEMPORAL_TASK_QUEUE: taskQueue, LOG_LEVEL: 'info', ...env };
  for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
  // `node --import tsx` keeps the worker in this one process, so SIGKILL really kills the worker
  // (the tsx launcher would forward the signal to a child it cannot protect from SIGKILL).
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'worker', 'main.ts')], { cwd: root, env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const on = (append: (s: string) => void) => (b: Buffer) => {
      append(b.toString());
      output += b.toString();
      // Its JSON log line (worker/main.ts) once a worker polls.
      if (output.includes('polling task queue')) resolve();
    };
    child.stdout?.on('data', on((s) => (stdout += s)));
    child.stderr?.on('data', on((s) => (stderr += s)));
    child.once('exit', (code) => reject(new Error(`worker exited early (${code}):\n${output}`)));
  });
  // A test that never awaits `ready` (it kills the worker first) must not leave a rejection unhandled.
  ready.catch(() => undefined);
  const stop = (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  return { child, ready, stdout: () => stdout, stderr: () => stderr, output: () => output, stop };
}
