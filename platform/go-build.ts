/**
 * Builds Go programs from their modules with `go install`, into a per-user cache, with progress
 * lines while it runs. No download site for Temporal's binaries is reachable from these machines, so
 * both the Temporal CLI (platform/temporal-cli.ts) and the production server (platform/cluster/) are
 * built this way, once, and reused.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** `~/.cache/tingjin/bin/<name>` (or under $XDG_CACHE_HOME). */
export function binCacheDir(name: string): string {
  const cacheRoot = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cacheRoot, 'tingjin', 'bin', name);
}

export function onPath(cmd: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** `go` on PATH, then the default install location; null when Go is not installed. */
export function findGo(): string | null {
  return onPath('go') ?? (fs.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : null);
}

/**
 * `go install <packages>` with GOBIN=gobin. Every 30 s a progress line (with go's last output) is
 * logged under `label`, since the first build of a large module takes minutes with no output.
 */
export async function goInstall(opts: {
  go: string;
  packages: string[];
  gobin: string;
  label: string;
  log: (line: string) => void;
}): Promise<void> {
  fs.mkdirSync(opts.gobin, { recursive: true });
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(opts.go, ['install', ...opts.packages], {
      env: { ...process.env, GOBIN: opts.gobin, GOFLAGS: process.env.GOFLAGS ?? '-mod=mod' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lastLine = '';
    const onData = (buf: Buffer) => {
      for (const line of buf.toString().split('\n')) if (line.trim()) lastLine = line.trim();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const ticker = setInterval(() => opts.log(`[${opts.label}] still building (${Math.round((Date.now() - started) / 1000)}s) ${lastLine}`), 30_000);
    child.on('error', (e) => {
      clearInterval(ticker);
      reject(e);
    });
    child.on('exit', (code) => {
      clearInterval(ticker);
      if (code === 0) resolve();
      else reject(new Error(`go install failed with exit code ${code}: ${lastLine}`));
    });
  });
  opts.log(`[${opts.label}] built in ${Math.round((Date.now() - started) / 1000)}s into ${opts.gobin}`);
}
