/**
 * Once per `npm test`: provides the Temporal CLI (building it on a fresh machine) and a real
 * PostgreSQL (embedded in a fresh temporary directory, unless DATABASE_URL is set). Each test file
 * then gets its own database and its own Temporal dev server.
 *
 * This is the `integration` project's global setup (jest.config.js), so Jest runs it only when a
 * selected test file is outside test/unit: `npx jest test/unit` needs neither server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { ensureTemporalCli } from '../../platform/temporal-cli';
import { startEmbeddedPostgres } from '../../platform/postgres';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export default async function globalSetup(): Promise<void> {
  process.env.TINGJIN_TEST_TEMPORAL_CLI = await ensureTemporalCli((l) => console.log(l));
  if (process.env.DATABASE_URL) {
    process.env.TINGJIN_TEST_PG_ADMIN_URL = process.env.DATABASE_URL;
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tingjin-test-pg-'));
  // initdb runs as the unprivileged postgres user, which must be able to enter the directory.
  fs.chmodSync(dir, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), port: await freePort() });
  process.env.TINGJIN_TEST_PG_ADMIN_URL = pg.adminUrl;
  (globalThis as Record<string, unknown>).__tingjinPg = { pg, dir };
}
