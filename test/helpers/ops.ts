/**
 * Runs `npm run ops -- …` (scripts/ops.ts) as a process of its own. Not spawnSync: the worker that answers the
 * command's queries, and any server it talks to, run in the test's own process and must keep serving. A process
 * of its own also because the command reads its configuration from the environment, and jest's process.env does
 * not reach the SDK's threads.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

export interface OpsRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runOps(args: string[], env: Record<string, string>): Promise<OpsRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '../../scripts/ops.ts'), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}
