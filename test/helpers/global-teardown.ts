import fs from 'node:fs';
import type { RunningPostgres } from '../../platform/postgres';

export default async function globalTeardown(): Promise<void> {
  const held = (globalThis as Record<string, unknown>).__tingjinPg as { pg: RunningPostgres; dir: string } | undefined;
  if (!held) return;
  await held.pg.stop();
  fs.rmSync(held.dir, { recursive: true, force: true });
}
