/**
 * `npm run cluster`: a production-shaped stack on one machine. Unlike `npm start` (one process, the
 * dev server on SQLite), every piece runs as it would in production:
 *   - the Temporal server (go.temporal.io/server, built from its Go module) on PostgreSQL, its
 *     persistence and visibility databases created and migrated with temporal-sql-tool, its
 *     configuration rendered from platform/cluster/config.template.yaml;
 *     skipped when TEMPORAL_ADDRESS names an existing cluster;
 *   - PostgreSQL: DATABASE_URL's server, or the embedded one (platform/postgres.ts);
 *   - the namespace and the search attributes, the project's migrations, the demo data (empty
 *     database only, unless --no-demo);
 *   - N `npm run worker` and M `npm run api` processes (default 2 and 2; the APIs on consecutive ports
 *     from PORT).
 * Ctrl-C (or SIGTERM) stops everything it started, in reverse order.
 *
 *   npm run cluster -- [--workers N] [--apis M] [--shards S] [--no-demo]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { msToTs } from '@temporalio/common/lib/time';
import { loadConfig } from '../platform/config';
import { createOrm, migrate } from '../platform/orm';
import { ensureDatabase, startEmbeddedPostgres, withDatabase } from '../platform/postgres';
import { DEMO_PASSWORD, seedDemoData } from '../platform/seed';
import { connectClient, ensureSearchAttributes } from '../platform/temporal';
import { ALL_SEARCH_ATTRIBUTES } from '../procedures/kernel/messages';
import { portOpen } from '../platform/ports';
import {
  ensureServerBinaries,
  schemaDirs,
  setupTemporalDatabase,
  startServer,
  writeServerConfig,
  type ClusterTls,
} from '../platform/cluster/server';
import { ensureConsoleBuilt } from '../web/scripts/build';

const log = (line: string) => console.log(line);
const ROOT = path.resolve(__dirname, '..');

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

function options() {
  const { values } = parseArgs({
    options: {
      workers: { type: 'string' },
      apis: { type: 'string' },
      shards: { type: 'string' },
      'no-demo': { type: 'boolean', default: false },
    },
  });
  const env = process.env;
  return {
    workers: positive('--workers', values.workers ?? env.CLUSTER_WORKERS, 2),
    apis: positive('--apis', values.apis ?? env.CLUSTER_APIS, 2),
    shards: positive('--shards', values.shards ?? env.TEMPORAL_NUM_HISTORY_SHARDS, 16),
    demo: !values['no-demo'],
    metricsPort: positive('TEMPORAL_METRICS_PORT', env.TEMPORAL_METRICS_PORT, 8000),
    persistenceDb: env.TEMPORAL_DB || 'temporal',
    visibilityDb: env.TEMPORAL_VISIBILITY_DB || 'temporal_visibility',
    retentionDays: positive('TEMPORAL_RETENTION_DAYS', env.TEMPORAL_RETENTION_DAYS, 30),
    tls: clusterTls(env),
  };
}

/** Frontend TLS, when TEMPORAL_CLUSTER_TLS_CERT is set (see the template and the README). */
function clusterTls(env: NodeJS.ProcessEnv): ClusterTls | undefined {
  if (!env.TEMPORAL_CLUSTER_TLS_CERT) return undefined;
  const need = (name: string) => {
    const v = env[name];
    if (!v) throw new Error(`TEMPORAL_CLUSTER_TLS_CERT is set, so ${name} must be set too`);
    return path.resolve(v);
  };
  return {
    cert: path.resolve(env.TEMPORAL_CLUSTER_TLS_CERT),
    key: need('TEMPORAL_CLUSTER_TLS_KEY'),
    ca: need('TEMPORAL_CLUSTER_TLS_CA'),
    serverName: env.TEMPORAL_CLUSTER_TLS_SERVER_NAME || 'localhost',
    requireClientAuth: env.TEMPORAL_CLUSTER_TLS_REQUIRE_CLIENT_AUTH === '1',
  };
}

/** A child process whose output lines are prefixed with its name. */
function startChild(name: string, script: string, env: NodeJS.ProcessEnv): ChildProcess {
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  // Its own process group: a terminal's Ctrl-C reaches only this script, which then stops the
  // children in order (APIs before workers before the server) instead of all at once.
  const child = spawn(tsx, [script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const relay = (stream: NodeJS.WritableStream) => {
    let rest = '';
    return (b: Buffer) => {
      const lines = (rest + b.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) stream.write(`[${name}] ${l}\n`);
    };
  };
  child.stdout?.on('data', relay(process.stdout));
  child.stderr?.on('data', relay(process.stderr));
  return child;
}

function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Registers the namespace if missing and waits until the frontend serves it. */
async function ensureNamespace(address: string, namespace: string, retentionDays: number): Promise<void> {
  const client = await connectClient(address, namespace);
  try {
    const deadline = Date.now() + 60_000;
    let registered = false;
    for (;;) {
      try {
        await client.workflowService.describeNamespace({ namespace });
        return;
      } catch (err) {
        const notFound = (err as { code?: number }).code === 5; // gRPC NOT_FOUND
        if (notFound && !registered) {
          await client.workflowService.registerNamespace({
            namespace,
            workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`),
          });
          registered = true;
          log(`[cluster] namespace "${namespace}" registered (retention ${retentionDays} days)`);
        } else if (!notFound && !registered && Date.now() > deadline - 30_000) {
          throw err;
        }
      }
      if (Date.now() > deadline) throw new Error(`namespace "${namespace}" not served within 60 s`);
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await client.connection.close();
  }
}

/**
 * Adds the search attributes, then waits until the frontend's cache knows them all: starting a
 * procedure with one it does not know yet would be refused.
 */
async function ensureAttributes(address: string, namespace: string): Promise<void> {
  const client = await connectClient(address, namespace);
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        await ensureSearchAttributes(client, namespace);
        const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace });
        if (ALL_SEARCH_ATTRIBUTES.every((k) => customAttributes && k.name in customAttributes)) return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
      if (Date.now() > deadline) throw new Error('the search attributes were not registered within 120 s');
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    await client.connection.close();
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const opts = options();
  const cleanups: { name: string; run: () => Promise<void> }[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log('[cluster] stopping…');
    for (const c of cleanups.reverse()) {
      try {
        await c.run();
        log(`[cluster]   stopped ${c.name}`);
      } catch (err) {
        console.error(`[cluster] while stopping ${c.name}:`, err);
      }
    }
    log('[cluster] stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    const clusterDir = path.join(config.dataDir, 'cluster');
    fs.mkdirSync(clusterDir, { recursive: true });
    log(`[cluster] ${opts.workers} worker(s), ${opts.apis} API process(es); state in ${clusterDir}`);
    await ensureConsoleBuilt(log);

    // 1. PostgreSQL: DATABASE_URL's server, or the embedded one.
    let adminUrl: string;
    let appDbUrl: string;
    if (config.databaseUrl) {
      appDbUrl = config.databaseUrl;
      adminUrl = withDatabase(config.databaseUrl, 'postgres');
      log(`[cluster] PostgreSQL from DATABASE_URL (${new URL(appDbUrl).host})`);
      await ensureDatabase(adminUrl, new URL(appDbUrl).pathname.slice(1));
    } else {
      const pgDir = path.join(clusterDir, 'postgres');
      log(`[cluster] embedded PostgreSQL on 127.0.0.1:${config.embeddedPostgresPort}, data in ${pgDir}`);
      const pg = await startEmbeddedPostgres({ dataDir: pgDir, port: config.embeddedPostgresPort });
      cleanups.push({ name: 'PostgreSQL', run: () => pg.stop() });
      adminUrl = pg.adminUrl;
      await ensureDatabase(adminUrl, 'tingjin');
      appDbUrl = withDatabase(adminUrl, 'tingjin');
    }

    // 2. The Temporal server, unless TEMPORAL_ADDRESS names a cluster.
    let address = config.temporalAddress;
    if (!address) {
      const bins = await ensureServerBinaries(log);
      const schema = schemaDirs();
      await setupTemporalDatabase({ sqlTool: bins.sqlTool, adminUrl, database: opts.persistenceDb, schemaDir: schema.persistence, log });
      await setupTemporalDatabase({ sqlTool: bins.sqlTool, adminUrl, database: opts.visibilityDb, schemaDir: schema.visibility, log });
      const configDir = path.join(clusterDir, 'temporal', 'config');
      const env = 'tingjin';
      const file = writeServerConfig({
        configDir,
        env,
        adminUrl,
        database: opts.persistenceDb,
        visibilityDatabase: opts.visibilityDb,
        shards: opts.shards,
        bindIp: '127.0.0.1',
        frontendPort: config.temporalPort,
        metricsPort: opts.metricsPort,
        logLevel: process.env.TEMPORAL_LOG_LEVEL || 'warn',
        tls: opts.tls,
      });
      log(`[cluster] Temporal server ${path.basename(path.dirname(bins.server))} on 127.0.0.1:${config.temporalPort}, ${opts.shards} history shards, config ${file}`);
      const server = await startServer({ server: bins.server, rootDir: path.join(clusterDir, 'temporal'), configDir, env, frontendPort: config.temporalPort });
      cleanups.push({ name: 'the Temporal server', run: () => server.stop() });
      log(`[cluster]   serving; its log: ${server.logFile}`);
      address = `127.0.0.1:${config.temporalPort}`;
      if (opts.tls) {
        // The worker and API connect without TLS (platform/temporal.ts); see the README's client configuration.
        log('[cluster] note: frontend TLS is on; the worker and API processes need TLS client settings to connect');
      }
    } else {
      log(`[cluster] Temporal cluster at ${address} (TEMPORAL_ADDRESS); no server started`);
    }

    // 3. Namespace and search attributes.
    await ensureNamespace(address, config.temporalNamespace, opts.retentionDays);
    await ensureAttributes(address, config.temporalNamespace);
    log(`[cluster] namespace "${config.temporalNamespace}" has the search attributes ${ALL_SEARCH_ATTRIBUTES.map((k) => k.name).join(', ')}`);

    // 4. Migrations and demo data.
    const orm = await createOrm(appDbUrl);
    try {
      const applied = await migrate(orm);
      log(applied.length ? `[cluster] migrations applied: ${applied.join(', ')}` : '[cluster] schema up to date');
      if (opts.demo && (await seedDemoData(orm))) log(`[cluster] demo master data seeded (every demo user's password: ${DEMO_PASSWORD})`);
    } finally {
      await orm.close();
    }

    // 5. Workers, then APIs, each its own process, configured by environment as in production.
    const base: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: appDbUrl, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: config.temporalNamespace };
    const children: { name: string; child: ChildProcess }[] = [];
    const watch = (name: string, child: ChildProcess) => {
      children.push({ name, child });
      child.once('exit', (code, signal) => {
        if (!stopping) console.error(`[cluster] ${name} exited unexpectedly (code ${code}, signal ${signal}); the rest keeps running`);
      });
    };
    // Each worker's Temporal SDK metrics exporter (worker/runtime.ts) on its own port: WORKER_METRICS_PORT, +1, …
    const metricsPort = Number(process.env.WORKER_METRICS_PORT) || 0;
    for (let i = 1; i <= opts.workers; i++) {
      const name = `worker-${i}`;
      const child = startChild(name, 'worker/main.ts', metricsPort ? { ...base, WORKER_METRICS_PORT: String(metricsPort + i - 1) } : base);
      watch(name, child);
      cleanups.push({ name, run: () => stopChild(child, 20_000) });
    }
    const apiPorts: number[] = [];
    for (let i = 1; i <= opts.apis; i++) {
      const port = config.apiPort + i - 1;
      if (await portOpen(port)) throw new Error(`port ${port} is already in use; set PORT to the first of ${opts.apis} free ports`);
      const name = `api-${i}`;
      const child = startChild(name, 'api/main.ts', { ...base, PORT: String(port) });
      watch(name, child);
      cleanups.push({ name, run: () => stopChild(child, 10_000) });
      apiPorts.push(port);
    }
    // Ready when every API answers /ready with 200: the database, Temporal and a polling worker.
    const deadline = Date.now() + 180_000;
    for (const port of apiPorts) {
      for (;;) {
        const ok = await fetch(`http://127.0.0.1:${port}/ready`)
          .then((r) => r.ok)
          .catch(() => false);
        if (ok) break;
        if (Date.now() > deadline) throw new Error(`the API on port ${port} was not ready within 180 s`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }

    log('');
    for (const port of apiPorts) log(`  API          http://127.0.0.1:${port}   (console /, docs /docs, /ready, /metrics)`);
    log(`  Workers      ${opts.workers}, polling task queue "${config.taskQueue}"${metricsPort ? `; SDK metrics on ports ${metricsPort}-${metricsPort + opts.workers - 1}` : ''}`);
    log(`  Temporal     ${address}${config.temporalAddress ? '' : `   metrics http://127.0.0.1:${opts.metricsPort}/metrics`}`);
    log(`  PostgreSQL   ${appDbUrl.replace(/:[^:@/]+@/, ':***@')}`);
    log('  Ctrl-C stops everything.');
    log('[cluster] ready');
    log('');
  } catch (err) {
    console.error('[cluster] failed:', err instanceof Error ? err.message : err);
    await stopAll(1);
  }
}

void main();
