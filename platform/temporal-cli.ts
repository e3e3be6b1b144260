/**
 * Provides the Temporal CLI (server + Web UI in one binary). No download site is reachable from
 * these machines, so it is built from its Go module once, into a per-user cache, and reused.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Later tags carry a `replace` directive in go.mod, which `go install` refuses. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

export function cachedCliPath(): string {
  const cacheRoot = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cacheRoot, 'tingjin', 'bin', `temporal-${TEMPORAL_CLI_VERSION.slice(1)}`, 'temporal');
}

function onPath(cmd: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** TEMPORAL_CLI, then `temporal` on PATH, then the cache; otherwise builds into the cache. */
export async function ensureTemporalCli(log: (line: string) => void = (l) => console.error(l)): Promise<string> {
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) throw new Error(`TEMPORAL_CLI=${fromEnv} does not exist`);
    return fromEnv;
  }
  const fromPath = onPath('temporal');
  if (fromPath) return fromPath;
  const cached = cachedCliPath();
  if (fs.existsSync(cached)) return cached;

  const go = onPath('go') ?? (fs.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : null);
  if (!go) {
    throw new Error(
      'The Temporal CLI was not found and Go is not installed to build it.\n' +
        '  Either install Go (https://go.dev/dl/) and run `npm run temporal:build`,\n' +
        `  or build it elsewhere with \`go install github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}\`\n` +
        '  and set TEMPORAL_CLI=/path/to/temporal (or put `temporal` on PATH),\n' +
        '  or set TEMPORAL_ADDRESS to use an existing Temporal server.',
    );
  }
  const gobin = path.dirname(cached);
  fs.mkdirSync(gobin, { recursive: true });
  log(`[temporal] building the Temporal CLI ${TEMPORAL_CLI_VERSION} from source into ${gobin}`);
  log('[temporal] the first build takes several minutes; later builds reuse the Go caches');
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(go, ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`], {
      env: { ...process.env, GOBIN: gobin, GOFLAGS: process.env.GOFLAGS ?? '-mod=mod' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lastLine = '';
    const onData = (buf: Buffer) => {
      for (const line of buf.toString().split('\n')) if (line.trim()) lastLine = line.trim();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const ticker = setInterval(() => log(`[temporal] still building (${Math.round((Date.now() - started) / 1000)}s) ${lastLine}`), 30_000);
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
  if (!fs.existsSync(cached)) throw new Error(`go install finished but ${cached} is missing`);
  log(`[temporal] built in ${Math.round((Date.now() - started) / 1000)}s: ${cached}`);
  return cached;
}
