import fs from 'node:fs';
import path from 'node:path';
import type { RunningPostgres } from '../../platform/postgres';

export default async function globalTeardown(): Promise<void> {
  const held = (globalThis as Record<string, unknown>).__tingjinPg as { pg: RunningPostgres; dir: string } | undefined;
  if (!held) return;
  await held.pg.stop();
  fs.rmSync(held.dir, { recursive: true, force: true });
  // As root with a private temp directory, the cluster was moved out of `dir` (platform/postgres.ts).
  const moved = path.dirname(held.pg.dataDir);
  if (!held.pg.dataDir.startsWith(held.dir + path.sep) && path.basename(moved).startsWith('tingjin-pgdata-')) {
    fs.rmSync(moved, { recursive: true, force: true });
  }
}
