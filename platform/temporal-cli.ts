/**
 * Provides the Temporal CLI (server + Web UI in one binary). No download site is reachable from
 * these machines, so it is built from its Go module once, into a per-user cache, and reused.
 */
import fs from 'node:fs';
import path from 'node:path';
import { binCacheDir, findGo, goInstall, onPath } from './go-build';

/** Later tags carry a `replace` directive in go.mod, which `go install` refuses. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

export function cachedCliPath(): string {
  return path.join(binCacheDir(`temporal-${TEMPORAL_CLI_VERSION.slice(1)}`), 'temporal');
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

  const go = findGo();
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
  log(`[temporal] building the Temporal CLI ${TEMPORAL_CLI_VERSION} from source into ${gobin}`);
  log('[temporal] the first build takes several minutes; later builds reuse the Go caches');
  await goInstall({ go, packages: [`github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`], gobin, label: 'temporal', log });
  if (!fs.existsSync(cached)) throw new Error(`go install finished but ${cached} is missing`);
  return cached;
}
