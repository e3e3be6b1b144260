/**
 * Builds the web console into web/dist when it is missing or older than its sources, so `npm start` and
 * the browser tests serve the console of the checkout without a separate build step.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const WEB = path.join(__dirname, '..');
const ROOT = path.join(WEB, '..');
const BUILT = path.join(WEB, 'dist', 'index.html');

function newestMtime(p: string): number {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...fs.readdirSync(p).map((f) => newestMtime(path.join(p, f))));
}

/** Why the console must be built, or null when web/dist is up to date. */
export function consoleStale(): string | null {
  const built = fs.statSync(BUILT, { throwIfNoEntry: false });
  if (!built) return 'web/dist is missing';
  const sources = [path.join(WEB, 'src'), path.join(WEB, 'public'), path.join(WEB, 'index.html'), path.join(WEB, 'vite.config.mts'), path.join(ROOT, 'package-lock.json')];
  return Math.max(...sources.map(newestMtime)) > built.mtimeMs ? 'its sources changed since the last build' : null;
}

/** Runs `vite build` (in a child process: Vite is an ES module, and its output goes to the log). */
export function buildConsole(log: (line: string) => void = console.log): Promise<void> {
  const vite = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', '--config', path.join(WEB, 'vite.config.mts'), '--logLevel', 'warn'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: string[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d.toString()));
    child.stderr.on('data', (d: Buffer) => out.push(d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) {
        for (const line of out.join('').split('\n').filter(Boolean)) log(`[web] ${line}`);
        resolve();
      } else reject(new Error(`vite build failed (exit ${code}):\n${out.join('')}`));
    });
  });
}

/** Builds the console if it is missing or stale; says what it did. */
export async function ensureConsoleBuilt(log: (line: string) => void = console.log): Promise<void> {
  const why = consoleStale();
  if (!why) return;
  log(`[web] building the console (${why})…`);
  const t0 = Date.now();
  await buildConsole(log);
  log(`[web] built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

if (require.main === module) {
  ensureConsoleBuilt().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
