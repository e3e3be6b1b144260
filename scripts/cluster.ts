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
 *                      [--deployment-name NAME --build-id ID [--versioning-behavior pinned|auto-upgrade]]
 *
 * With a deployment name and build id (or TEMPORAL_DEPLOYMENT_NAME / TEMPORAL_BUILD_ID /
 * TEMPORAL_VERSIONING_BEHAVIOR), every worker it starts is that Worker Deployment version (README, Safe
 * deploys); on the deployment's first versioned start the version is made current, otherwise the
 * operator decides when (set-current-version), as in a real rollout.
 *
 * The benches (bench/cluster-*.ts) reuse its pieces: bringUp, startWorker, startApi, waitReady.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { msToTs } from '@temporalio/common/lib/time';
import { loadConfig, type Config, type WorkerDeploymentConfig } from '../platform/config';
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
  type RunningServer,
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

export interface ClusterOptions {
  workers: number;
  apis: number;
  shards: number;
  demo: boolean;
  metricsPort: number;
  persistenceDb: string;
  visibilityDb: string;
  retentionDays: number;
  tls: ClusterTls | undefined;
  /** The version every worker it starts registers as; null: unversioned workers. */
  deployment: WorkerDeploymentConfig | null;
}

const BEHAVIOR_SETTING = { PINNED: 'pinned', AUTO_UPGRADE: 'auto-upgrade' } as const;

/** The command line over the environment; the versioning settings are checked by the worker's own rules (platform/config.ts). */
export function clusterOptions(argv: string[], env: NodeJS.ProcessEnv): ClusterOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      workers: { type: 'string' },
      apis: { type: 'string' },
      shards: { type: 'string' },
      'no-demo': { type: 'boolean', default: false },
      'deployment-name': { type: 'string' },
      'build-id': { type: 'string' },
      'versioning-behavior': { type: 'string' },
    },
  });
  // Refused here, before anything starts, rather than by each worker after the server is up.
  const deployment = loadConfig({
    TEMPORAL_DEPLOYMENT_NAME: values['deployment-name'] ?? env.TEMPORAL_DEPLOYMENT_NAME,
    TEMPORAL_BUILD_ID: values['build-id'] ?? env.TEMPORAL_BUILD_ID,
    TEMPORAL_VERSIONING_BEHAVIOR: values['versioning-behavior'] ?? env.TEMPORAL_VERSIONING_BEHAVIOR,
  }).workerDeployment;
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
    deployment,
  };
}

/**
 * The environment of worker number `index` (1, 2, …): the stack's, its own SDK metrics port
 * (WORKER_METRICS_PORT, +1, …) when one is set, and the version it registers as. The versioning
 * variables are always written (or removed), so what the worker runs as is what the cluster printed.
 */
export function workerEnv(base: NodeJS.ProcessEnv, index: number, deployment: WorkerDeploymentConfig | null): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  const metricsPort = Number(base.WORKER_METRICS_PORT) || 0;
  if (metricsPort) env.WORKER_METRICS_PORT = String(metricsPort + index - 1);
  if (deployment) {
    env.TEMPORAL_DEPLOYMENT_NAME = deployment.deploymentName;
    env.TEMPORAL_BUILD_ID = deployment.buildId;
    env.TEMPORAL_VERSIONING_BEHAVIOR = BEHAVIOR_SETTING[deployment.defaultVersioningBehavior];
  } else {
    delete env.TEMPORAL_DEPLOYMENT_NAME;
    delete env.TEMPORAL_BUILD_ID;
    delete env.TEMPORAL_VERSIONING_BEHAVIOR;
  }
  return env;
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

/**
 * A child process whose output lines are prefixed with its name (or go to `logFile`). Its own process
 * group: `tsx` runs the script in a child node process, so a kill that must reach the script (a
 * fault test's SIGKILL) is sent to the group, process.kill(-pid).
 */
export function startChild(name: string, script: string, env: NodeJS.ProcessEnv, logFile?: string): ChildProcess {
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  // Its own process group: a terminal's Ctrl-C reaches only this script, which then stops the
  // children in order (APIs before workers before the server) instead of all at once.
  if (logFile) {
    const out = fs.openSync(logFile, 'a');
    const child = spawn(tsx, [script], { cwd: ROOT, env, stdio: ['ignore', out, out], detached: true });
    fs.closeSync(out);
    return child;
  }
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

export function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    // To the group: a SIGKILL to tsx alone would leave the script's node process running.
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A signal to the child's whole process group (tsx and the script's node process). */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

/** Registers the namespace if missing and waits until the frontend serves it. */
async function ensureNamespace(address: string, namespace: string, retentionDays: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  // The frontend port opens before the server answers; on a busy machine the SDK's connect check
  // can time out in between.
  let client: Awaited<ReturnType<typeof connectClient>>;
  for (;;) {
    try {
      client = await connectClient(address, namespace);
      break;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
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

/** What bringUp started: where things are, and how to stop or restart the server. */
export interface ClusterStack {
  address: string;
  namespace: string;
  appDbUrl: string;
  adminUrl: string;
  /** The embedded PostgreSQL's data directory (null with DATABASE_URL), to find its postmaster. */
  pgDataDir: string | null;
  /** The Temporal server this stack runs (null with TEMPORAL_ADDRESS). */
  server: RunningServer | null;
  /** Stops the server and starts it again on the same configuration and databases (a fault test). */
  restartServer: (() => Promise<RunningServer>) | null;
  /** The environment every worker and API process gets. */
  baseEnv: NodeJS.ProcessEnv;
}

export type Cleanup = { name: string; run: () => Promise<void> };

/**
 * Steps 1 to 4: PostgreSQL, the Temporal server, the namespace and its search attributes, the
 * project's migrations and demo data. What it starts is pushed to `cleanups`, to be run in reverse.
 */
export async function bringUp(config: Config, opts: ClusterOptions, clusterDir: string, cleanups: Cleanup[]): Promise<ClusterStack> {
  fs.mkdirSync(clusterDir, { recursive: true });
  // 1. PostgreSQL: DATABASE_URL's server, or the embedded one.
  let adminUrl: string;
  let appDbUrl: string;
  let pgDataDir: string | null = null;
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
    pgDataDir = pg.dataDir;
    await ensureDatabase(adminUrl, 'tingjin');
    appDbUrl = withDatabase(adminUrl, 'tingjin');
  }

  // 2. The Temporal server, unless TEMPORAL_ADDRESS names a cluster.
  let address = config.temporalAddress;
  let server: RunningServer | null = null;
  let restartServer: ClusterStack['restartServer'] = null;
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
    const serverOpts = { server: bins.server, rootDir: path.join(clusterDir, 'temporal'), configDir, env, frontendPort: config.temporalPort };
    let running = await startServer(serverOpts);
    server = running;
    cleanups.push({ name: 'the Temporal server', run: () => running.stop() });
    restartServer = async () => {
      await running.stop();
      running = await startServer(serverOpts);
      return running;
    };
    log(`[cluster]   serving; its log: ${running.logFile}`);
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
  const baseEnv: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: appDbUrl, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: config.temporalNamespace };
  return { address, namespace: config.temporalNamespace, appDbUrl, adminUrl, pgDataDir, server, restartServer, baseEnv };
}

/** Worker number `index` (1, 2, …), `npm run worker` in its own process. */
export function startWorker(stack: ClusterStack, index: number, deployment: WorkerDeploymentConfig | null, logFile?: string): ChildProcess {
  return startChild(`worker-${index}`, 'worker/main.ts', workerEnv(stack.baseEnv, index, deployment), logFile);
}

/** An `npm run api` process on `port`. */
export async function startApi(stack: ClusterStack, index: number, port: number, logFile?: string): Promise<ChildProcess> {
  if (await portOpen(port)) throw new Error(`port ${port} is already in use; set PORT to the first of the free ports the APIs need`);
  return startChild(`api-${index}`, 'api/main.ts', { ...stack.baseEnv, PORT: String(port) }, logFile);
}

/** Ready when every API answers /ready with 200: the database, Temporal and a polling worker. */
export async function waitReady(ports: number[], ms = 180_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (const port of ports) {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/ready`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`the API on port ${port} was not ready within ${ms / 1000} s`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/**
 * Once the workers of a version poll: on the deployment's first versioned start (no current version:
 * new procedures would wait for one) the version is made current; otherwise it is left to the operator,
 * as in a rollout (README, Safe deploys), and the command is printed. Returns the current build id.
 */
export async function settleVersion(address: string, namespace: string, deployment: WorkerDeploymentConfig): Promise<string> {
  const { deploymentName, buildId } = deployment;
  const client = await connectClient(address, namespace);
  try {
    const describe = async () => (await client.workflowService.describeWorkerDeployment({ namespace, deploymentName }).catch(() => null))?.workerDeploymentInfo ?? null;
    const deadline = Date.now() + 60_000;
    // set-current-version is refused until the server has seen this build's pollers.
    while (!(await describe())?.versionSummaries?.some((v) => v.deploymentVersion?.buildId === buildId)) {
      if (Date.now() > deadline) throw new Error(`the workers of ${deploymentName}:${buildId} were not listed in the deployment within 60 s`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const current = (await describe())?.routingConfig?.currentDeploymentVersion?.buildId;
    if (current) {
      if (current !== buildId) {
        log(`[cluster] ${deploymentName}:${buildId} polls; the current version stays ${current}. New procedures go to ${current} until:`);
        log(`[cluster]   temporal worker deployment set-current-version --address ${address} --deployment-name ${deploymentName} --build-id ${buildId}`);
      }
      return current;
    }
    for (;;) {
      try {
        await client.workflowService.setWorkerDeploymentCurrentVersion({ namespace, deploymentName, buildId, identity: 'npm run cluster' });
        log(`[cluster] ${deploymentName}:${buildId} made current (the deployment had no current version)`);
        return buildId;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  } finally {
    await client.connection.close();
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const opts = clusterOptions(process.argv.slice(2), process.env);
  const cleanups: Cleanup[] = [];
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
    const version = opts.deployment ? `${opts.deployment.deploymentName}:${opts.deployment.buildId} (${BEHAVIOR_SETTING[opts.deployment.defaultVersioningBehavior]})` : null;
    log(`[cluster] ${opts.workers} worker(s)${version ? ` of version ${version}` : ', unversioned'}, ${opts.apis} API process(es); state in ${clusterDir}`);
    await ensureConsoleBuilt(log);
    const stack = await bringUp(config, opts, clusterDir, cleanups);

    // 5. Workers, then APIs, each its own process, configured by environment as in production.
    const watch = (name: string, child: ChildProcess) => {
      child.once('exit', (code, signal) => {
        if (!stopping) console.error(`[cluster] ${name} exited unexpectedly (code ${code}, signal ${signal}); the rest keeps running`);
      });
    };
    for (let i = 1; i <= opts.workers; i++) {
      const child = startWorker(stack, i, opts.deployment);
      watch(`worker-${i}`, child);
      cleanups.push({ name: `worker-${i}`, run: () => stopChild(child, 20_000) });
    }
    const current = opts.deployment ? await settleVersion(stack.address, stack.namespace, opts.deployment) : null;
    const apiPorts: number[] = [];
    for (let i = 1; i <= opts.apis; i++) {
      const port = config.apiPort + i - 1;
      const child = await startApi(stack, i, port);
      watch(`api-${i}`, child);
      cleanups.push({ name: `api-${i}`, run: () => stopChild(child, 10_000) });
      apiPorts.push(port);
    }
    await waitReady(apiPorts);

    const metricsPort = Number(process.env.WORKER_METRICS_PORT) || 0;
    log('');
    for (const port of apiPorts) log(`  API          http://127.0.0.1:${port}   (console /, docs /docs, /ready, /metrics)`);
    log(`  Workers      ${opts.workers}, polling task queue "${config.taskQueue}"${metricsPort ? `; SDK metrics on ports ${metricsPort}-${metricsPort + opts.workers - 1}` : ''}`);
    if (version) log(`  Version      ${version}; current version of "${opts.deployment?.deploymentName}": ${current}`);
    log(`  Temporal     ${stack.address}${config.temporalAddress ? '' : `   metrics http://127.0.0.1:${opts.metricsPort}/metrics`}`);
    log(`  PostgreSQL   ${stack.appDbUrl.replace(/:[^:@/]+@/, ':***@')}`);
    log('  Ctrl-C stops everything.');
    log('[cluster] ready');
    log('');
  } catch (err) {
    console.error('[cluster] failed:', err instanceof Error ? err.message : err);
    await stopAll(1);
  }
}

// Run as `npm run cluster`; imported by the benches for its pieces.
if (require.main === module) void main();
