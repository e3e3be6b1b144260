/**
 * `npm start`: everything on the embedded defaults, in order: the Temporal dev server (unless
 * TEMPORAL_ADDRESS), PostgreSQL (unless DATABASE_URL), migrations, demo data, the worker and the
 * API. Ctrl-C stops it all and leaves no process behind.
 */
import path from 'node:path';
import type { Server } from 'node:http';
import { NativeConnection, bundleWorkflowCode } from '@temporalio/worker';
import { createApp } from '../api/app';
import { serve } from '../api/server';
import { loadConfig } from '../platform/config';
import { databaseUrl, temporalAddress } from '../platform/database';
import { createOrm, migrate } from '../platform/orm';
import { ensureDatabase, startEmbeddedPostgres, withDatabase, type RunningPostgres } from '../platform/postgres';
import { DEMO_PASSWORD, seedDemoData } from '../platform/seed';
import { ensureSchedules, schedulesConfig } from '../platform/schedules';
import { ensureTemporalCli } from '../platform/temporal-cli';
import { bundlerLogger, logger } from '../platform/log';
import { connectClient, ensureSearchAttributes, startDevServer, temporalSecurity, type DevServer } from '../platform/temporal';
import { installWorkerRuntime } from '../worker/runtime';
import { superviseWorker } from '../worker/supervisor';
import { createWorker } from '../worker/worker';
import { ensureConsoleBuilt } from '../web/scripts/build';

// One JSON line per event, as the separate worker and API processes write them (platform/log.ts).
const startLog = logger.child({ name: 'start' });
const log = (line: string) => (line.trim() ? startLog.info(line.trim()) : undefined);

async function main(): Promise<void> {
  // Before any connection: the worker's SDK runtime (JSON logs, and its metrics with WORKER_METRICS_PORT).
  const metricsAt = installWorkerRuntime(logger.child({ name: 'worker' }));
  const config = loadConfig();
  const cleanups: (() => Promise<void>)[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log('[start] stopping…');
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (err) {
        startLog.error({ err }, 'while stopping');
      }
    }
    log('[start] stopped');
    process.exit(code);
  };
  // `on`, not `once`: a terminal's Ctrl-C reaches npm, tsx and this process, and tsx relays it too, so a
  // second SIGINT arrives while stopping; with no handler left it would kill this process at once and
  // orphan the Temporal dev server. Repeats are ignored: stopping is already under way.
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    // The web console the API serves at /: built now if web/dist is missing or older than web/src.
    await ensureConsoleBuilt(log);
    let temporal: DevServer | null = null;
    if (!config.temporalAddress) {
      const cli = await ensureTemporalCli(log);
      log(`[start] Temporal dev server (${cli}) on 127.0.0.1:${config.temporalPort}`);
      temporal = await startDevServer({
        cli,
        dataDir: path.join(config.dataDir, 'temporal'),
        port: config.temporalPort,
        uiPort: config.temporalUiPort,
        namespace: config.temporalNamespace,
      });
      cleanups.push(() => temporal!.stop());
    }
    const address = temporalAddress(config);

    let pg: RunningPostgres | null = null;
    if (!config.databaseUrl) {
      const pgDir = path.join(config.dataDir, 'postgres');
      log(`[start] embedded PostgreSQL on 127.0.0.1:${config.embeddedPostgresPort}, data in ${pgDir}`);
      pg = await startEmbeddedPostgres({ dataDir: pgDir, port: config.embeddedPostgresPort });
      // As root, a data directory the postgres user cannot enter is kept elsewhere (platform/postgres.ts).
      if (pg.dataDir !== pgDir) log(`[start]   (the postgres user cannot enter ${pgDir}: the cluster is in ${pg.dataDir}, linked from there)`);
      cleanups.push(() => pg!.stop());
      await ensureDatabase(pg.adminUrl, 'tingjin');
    }
    const dbUrl = pg ? withDatabase(pg.adminUrl, 'tingjin') : databaseUrl(config);

    const orm = await createOrm(dbUrl);
    cleanups.push(() => orm.close());
    const applied = await migrate(orm);
    log(applied.length ? `[start] migrations applied: ${applied.join(', ')}` : '[start] schema up to date');
    if (await seedDemoData(orm)) log(`[start] demo master data seeded (every demo user's password: ${DEMO_PASSWORD})`);

    const client = await connectClient(address, config.temporalNamespace);
    cleanups.push(() => client.connection.close());
    await ensureSearchAttributes(client, config.temporalNamespace);
    // The reconciler's and the audit anchor's Schedules (platform/schedules.ts): created, or updated to the configuration.
    const schedules = await ensureSchedules(client, config.taskQueue, schedulesConfig(config.dataDir));
    log(`[start] schedules: reconcile ${schedules.reconcile}, audit anchor ${schedules.anchor}`);

    const connection = await NativeConnection.connect({ address, ...temporalSecurity() });
    cleanups.push(() => connection.close());
    // Bundled once: a worker restarted after a failure reuses the bundle.
    const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: bundlerLogger(startLog) });
    // A worker that fails (the SDK stops it on a fatal error) is re-created with backoff; the API keeps
    // serving meanwhile, and /ready and the actions' 503 worker_unavailable say that no worker polls.
    // If the supervisor gives up (repeated stuck workers, worker/supervisor.ts), everything stops with 1.
    const supervisor = superviseWorker({
      create: () => createWorker({ connection, namespace: config.temporalNamespace, taskQueue: config.taskQueue, orm, workflowBundle }),
      log: (line) => startLog.warn(line),
      onRunning: (_w, attempt) => {
        if (attempt > 1) log(`[start] worker running again (start ${attempt})`);
      },
    });
    cleanups.push(() => supervisor.stop());

    const { app } = createApp({ orm, client, taskQueue: config.taskQueue, sessionHours: config.sessionHours }, { logger: logger.child({ name: 'api' }) });
    const server: Server = await serve(app, config.apiPort, '0.0.0.0');
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));

    log('');
    log(`  Console      http://127.0.0.1:${config.apiPort}/   (web console, 中文)`);
    log(`  API          http://127.0.0.1:${config.apiPort}`);
    log(`  API docs     http://127.0.0.1:${config.apiPort}/docs   (OpenAPI: /openapi.json)`);
    log(`  Temporal     ${address}${temporal?.uiUrl ? `   Web UI ${temporal.uiUrl}` : ''}`);
    log(`  PostgreSQL   ${dbUrl.replace(/:[^:@/]+@/, ':***@')}`);
    if (metricsAt) log(`  Metrics      http://127.0.0.1:${config.apiPort}/metrics   (API), http://${metricsAt}/metrics   (worker's Temporal SDK)`);
    log('  Ctrl-C stops everything.');
    log('');
    // The supervisor ends only when the worker was shut down: by stopAll, or by the SDK on a signal
    // (which reaches stopAll too). A failed worker is restarted, not a reason to exit.
    await supervisor.done;
    await stopAll(0);
  } catch (err) {
    startLog.fatal({ err }, 'failed');
    await stopAll(1);
  }
}

void main();
