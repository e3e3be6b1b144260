/**
 * The side-by-side bench's stack (bench/side-by-side.ts), in one process: an embedded PostgreSQL and a headless
 * Temporal dev server in a fresh temp directory, tingjin's worker (in this process or its own), the baseline's
 * worker, and the API on a free port, with the bench users logged in. Each piece pushes its own cleanup.
 */
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { createApp } from '../api/app';
import { createOrm, migrate } from '../platform/orm';
import { ensureDatabase, startEmbeddedPostgres, withDatabase } from '../platform/postgres';
import { DEMO_PASSWORD, seedDemoData } from '../platform/seed';
import { ensureTemporalCli } from '../platform/temporal-cli';
import { payloadDataConverter } from '../platform/payload-codec';
import { connectClient, startDevServer } from '../platform/temporal';
import { createWorker } from '../worker/worker';
import { BASELINE_TASK_QUEUE, type BaselineActivities } from './baseline-workflow';
import { findPostmaster, type Pids } from './cpu';
import { ASSIGNEES, freePort, post, sleep, STARTER } from './load';

export const NAMESPACE = 'default';
const TASK_QUEUE = 'tingjin';

/** The arguments the stack reads (bench/side-by-side.ts parses them). */
export interface StackArgs {
  keep: boolean;
  clientsInProcess: boolean;
  profileDir: string | null;
  /** Extra `--dynamic-config-value KEY=VALUE` flags for the dev server. */
  dynamicConfig: string[];
  /** Extra `--sqlite-pragma NAME=VALUE` flags for the dev server. */
  sqlitePragma: string[];
  /** tingjin's worker in its own process (`npm run worker`), apart from the API, as production runs it. */
  workerProcess: boolean;
}

const t0 = performance.now();
/** Progress on stderr, timed from the start of the bench. */
export function log(line: string): void {
  console.error(`[bench +${((performance.now() - t0) / 1000).toFixed(1)}s] ${line}`);
}

// ---------------------------------------------------------------------------------------------
// HTTP

async function login(baseUrl: string, username: string): Promise<string> {
  const r = await post<{ token?: string }>(baseUrl, '/auth/login', { body: { username, password: DEMO_PASSWORD } });
  if (r.status !== 200 || !r.body.token) throw new Error(`login ${username}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.token;
}

export interface Stack {
  orm: MikroORM;
  client: Client;
  baseUrl: string;
  pids: Pids;
  tokens: Map<string, string>;
  workerFailure: () => unknown;
  tmpDir: string;
  /** The API mode's clients share this process (--clients-in-process), as before 2026-11-30's fourth session. */
  clientsInProcess: boolean;
  profileDir: string | null;
}

export type Cleanup = { what: string; fn: () => Promise<void> };

/**
 * tingjin's worker as production runs it, `worker/main.ts` in its own process (`npm run worker`), so the
 * API's event loop and the worker's main thread (its activities) do not queue behind each other. Resolves
 * with its pid once it polls; its output goes to a log in the temp directory.
 */
async function startWorkerProcess(o: { temporalAddress: string; databaseUrl: string; tmpDir: string; profileDir: string | null }, cleanups: Cleanup[]): Promise<number> {
  const logFile = path.join(o.tmpDir, 'worker.log');
  const out = fs.openSync(logFile, 'a');
  const child = fork(require.resolve('../worker/main'), [], {
    // --profile: node writes one profile per thread at exit, the workflow threads' among them.
    execArgv: ['--import', 'tsx', ...(o.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(o.profileDir, 'worker')}`] : [])],
    // info: its log is a file here, and the line that says it polls is at info.
    env: { ...process.env, LOG_LEVEL: 'info', TEMPORAL_ADDRESS: o.temporalAddress, DATABASE_URL: o.databaseUrl, TEMPORAL_NAMESPACE: NAMESPACE, TEMPORAL_TASK_QUEUE: TASK_QUEUE },
    stdio: ['ignore', out, out, 'ipc'],
  });
  cleanups.push({
    what: 'worker process',
    fn: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  });
  const deadline = Date.now() + 180_000;
  while (!fs.readFileSync(logFile, 'utf8').includes('polling task queue')) {
    if (child.exitCode !== null) throw new Error(`the worker process exited (${child.exitCode}); see ${logFile}`);
    if (Date.now() > deadline) throw new Error(`the worker process did not poll within 180 s; see ${logFile}`);
    await sleep(200);
  }
  log(`tingjin worker in its own process, pid ${child.pid}`);
  return child.pid as number;
}

export async function startStack(args: StackArgs, cleanups: Cleanup[]): Promise<Stack> {
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tingjin-bench-'));
  // The postgres user (PostgreSQL refuses to run as root) must be able to enter it.
  fs.chmodSync(tmpDir, 0o755);
  cleanups.push({
    what: 'temp directory',
    fn: async () => {
      if (args.keep) log(`kept ${tmpDir}`);
      else fs.rmSync(tmpDir, { recursive: true, force: true });
    },
  });
  log(`temp directory ${tmpDir}`);

  let cli = await ensureTemporalCli((l) => log(`[temporal-cli] ${l}`));
  if (args.dynamicConfig.length > 0 || args.sqlitePragma.length > 0) {
    // startDevServer takes no extra flags, so it runs a wrapper that adds them (exec: same process).
    const wrapper = path.join(tmpDir, 'temporal-with-dynamic-config');
    const extra = [...args.dynamicConfig.map((kv) => `--dynamic-config-value '${kv}'`), ...args.sqlitePragma.map((kv) => `--sqlite-pragma '${kv}'`)].join(' ');
    fs.writeFileSync(wrapper, `#!/bin/sh\nexec '${cli.replace(/'/g, `'\\''`)}' "$@" ${extra}\n`, { mode: 0o755 });
    log(`dev server flags: ${extra}`);
    cli = wrapper;
  }
  const [temporalPort, pgPort] = [await freePort(), await freePort()];
  log(`Temporal dev server (${cli}) on 127.0.0.1:${temporalPort}, headless`);
  const temporal = await startDevServer({ cli, dataDir: path.join(tmpDir, 'temporal'), port: temporalPort, uiPort: null, namespace: NAMESPACE });
  cleanups.push({
    what: 'Temporal dev server',
    fn: async () => {
      reportTemporalLog(path.join(tmpDir, 'temporal', 'temporal.log'));
      await temporal.stop();
    },
  });

  log(`embedded PostgreSQL on 127.0.0.1:${pgPort}`);
  const pg = await startEmbeddedPostgres({ dataDir: path.join(tmpDir, 'pg'), port: pgPort });
  cleanups.push({ what: 'PostgreSQL', fn: () => pg.stop() });
  await ensureDatabase(pg.adminUrl, 'tingjin_bench');
  const orm = await createOrm(withDatabase(pg.adminUrl, 'tingjin_bench'));
  cleanups.push({ what: 'ORM', fn: () => orm.close() });
  const applied = await migrate(orm);
  log(`migrations applied: ${applied.length}`);
  await seedDemoData(orm);
  await orm.em
    .getConnection()
    .execute(
      'create table if not exists bench_row (workflow_id text not null, step integer not null, actor_id text not null, at timestamptz not null default now(), primary key (workflow_id, step))',
    );

  const client = await connectClient(temporal.address, NAMESPACE);
  cleanups.push({ what: 'Temporal client', fn: () => client.connection.close() });
  const connection = await NativeConnection.connect({ address: temporal.address });
  cleanups.push({ what: 'worker connection', fn: () => connection.close() });

  log('bundling the workflows (tingjin and baseline)');
  const conn = orm.em.getConnection();
  const baselineActivities: BaselineActivities = {
    async recordApproval(row) {
      await conn.execute('insert into bench_row (workflow_id, step, actor_id) values (?, ?, ?) on conflict do nothing', [row.workflowId, row.step, row.actorId]);
    },
  };
  const quiet = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m: string) => log(`[bundle] ${m}`) };
  const workerPid = args.workerProcess ? await startWorkerProcess({ temporalAddress: temporal.address, databaseUrl: withDatabase(pg.adminUrl, 'tingjin_bench'), tmpDir, profileDir: args.profileDir }, cleanups) : undefined;
  const [worker, baselineWorker] = await Promise.all([
    workerPid ? null : createWorker({ connection, namespace: NAMESPACE, taskQueue: TASK_QUEUE, orm }),
    bundleWorkflowCode({ workflowsPath: require.resolve('./baseline-workflow'), logger: quiet }).then((workflowBundle) =>
      // The same codec as tingjin's worker: the bench's client encrypts every payload (platform/payload-codec.ts).
      Worker.create({ connection, namespace: NAMESPACE, taskQueue: BASELINE_TASK_QUEUE, workflowBundle, activities: baselineActivities, shutdownGraceTime: '10 seconds', dataConverter: payloadDataConverter() }),
    ),
  ]);
  let failure: unknown = null;
  for (const [name, w] of [
    ['tingjin worker', worker],
    ['baseline worker', baselineWorker],
  ] as const) {
    if (!w) continue;
    const running = w.run().catch((err: unknown) => {
      failure = err;
      log(`${name} FAILED: ${String(err)}`);
    });
    cleanups.push({
      what: name,
      fn: async () => {
        if (w.getState() === 'RUNNING') w.shutdown();
        await running;
      },
    });
  }

  const { app } = createApp({ orm, client, taskQueue: TASK_QUEUE, sessionHours: 12 });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  cleanups.push({
    what: 'API',
    fn: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  log(`API on ${baseUrl}`);

  const tokens = new Map<string, string>();
  for (const u of [STARTER, ...ASSIGNEES]) tokens.set(u, await login(baseUrl, u));
  return { orm, client, baseUrl, pids: { temporal: temporal.process.pid, postmaster: findPostmaster(pg.dataDir), ...(workerPid ? { worker: workerPid } : {}) }, tokens, workerFailure: () => failure, tmpDir, clientsInProcess: args.clientsInProcess, profileDir: args.profileDir };
}

/** The dev server logs at warn level; count what it wrote, and show a few lines. */
function reportTemporalLog(file: string): void {
  try {
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim());
    const errors = lines.filter((l) => /"level":"error"|\blevel=error\b|\bERROR\b/i.test(l));
    log(`temporal.log: ${lines.length} lines (${errors.length} at error level)`);
    for (const l of (errors.length ? errors : lines).slice(0, 8)) console.error(`  ${l.slice(0, 400)}`);
  } catch {
    /* no log */
  }
}
