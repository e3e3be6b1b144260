/**
 * The stack of the cluster benches (bench/cluster-scale.ts, bench/cluster-faults.ts): `npm run cluster`'s
 * own pieces (scripts/cluster.ts) in a fresh temp directory: an embedded PostgreSQL, the Temporal server
 * built from its Go module on it, the namespace, the migrations and the demo users. Workers and API
 * processes are started and stopped by the bench, as the row or the fault needs; their output goes to
 * log files in the temp directory (kept with --keep).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { loadConfig } from '../platform/config';
import { DEMO_PASSWORD } from '../platform/seed';
import { connectClient } from '../platform/temporal';
import { bringUp, clusterOptions, killGroup, startApi, startChild, startWorker, stopChild, waitReady, type Cleanup, type ClusterStack } from '../scripts/cluster';
import { ASSIGNEES, freePort, post, sleep, STARTER } from './load';

export interface BenchCluster {
  stack: ClusterStack;
  client: Client;
  tmpDir: string;
  cleanups: Cleanup[];
  /** Runs the cleanups in reverse, once. */
  stop(): Promise<void>;
}

export interface Proc {
  name: string;
  child: ChildProcess;
  logFile: string;
}

export function log(line: string): void {
  console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
}

/** Brings the stack up on free ports in a temp directory; --keep leaves the directory. */
export async function startBenchCluster(o: { shards: number; keep: boolean }): Promise<BenchCluster> {
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tingjin-cluster-bench-'));
  // As root, the embedded PostgreSQL runs as `postgres`, which must enter it.
  fs.chmodSync(tmpDir, 0o755);
  const cleanups: Cleanup[] = [{ name: 'temp directory', run: async () => (o.keep ? log(`kept ${tmpDir}`) : fs.rmSync(tmpDir, { recursive: true, force: true })) }];
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      for (const c of [...cleanups].reverse()) {
        try {
          await c.run();
        } catch (err) {
          log(`while stopping ${c.name}: ${String(err)}`);
        }
      }
    })());
  try {
    // The server takes its frontend port and +1, +2, +6, +10, +100…+106, +150 (metrics): a base clear
    // of the defaults and below the ephemeral ports (32768 on).
    const temporalPort = 20233 + Math.floor(Math.random() * 50) * 200;
    process.env.TEMPORAL_PORT = String(temporalPort);
    process.env.EMBEDDED_PG_PORT = String(await freePort());
    // Its own stack, whatever the shell points at.
    delete process.env.DATABASE_URL;
    delete process.env.TEMPORAL_ADDRESS;
    const config = loadConfig();
    const opts = { ...clusterOptions([], {}), shards: o.shards, metricsPort: temporalPort + 150, demo: true };
    log(`cluster stack in ${tmpDir}: Temporal on ${temporalPort}, ${o.shards} history shards`);
    const stack = await bringUp(config, opts, tmpDir, cleanups);
    // The raw baseline's table (bench/cluster-baseline-worker.ts).
    const pg = new PgClient({ connectionString: stack.appDbUrl });
    await pg.connect();
    await pg.query('create table if not exists bench_row (workflow_id text not null, step integer not null, actor_id text not null, at timestamptz not null default now(), primary key (workflow_id, step))');
    await pg.end();
    const client = await connectClient(stack.address, stack.namespace);
    cleanups.push({ name: 'Temporal client', run: () => client.connection.close() });
    return { stack, client, tmpDir, cleanups, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Waits until a process's log file holds `text`; fails if it exits first. */
async function waitForLine(p: Proc, text: string, ms = 240_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!fs.readFileSync(p.logFile, 'utf8').includes(text)) {
    if (p.child.exitCode !== null) throw new Error(`${p.name} exited (${p.child.exitCode}); see ${p.logFile}`);
    if (Date.now() > deadline) throw new Error(`${p.name} did not print "${text}" within ${ms / 1000} s; see ${p.logFile}`);
    await sleep(300);
  }
}

function logFileFor(b: BenchCluster, name: string): string {
  // A name started again (a restarted API) appends to its log.
  return path.join(b.tmpDir, `${name}.log`);
}

/** tingjin worker number i (`npm run worker`), resolved once it polls. */
export async function worker(b: BenchCluster, i: number): Promise<Proc> {
  const name = `worker-${i}`;
  const logFile = logFileFor(b, name);
  const before = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').length : 0;
  // info: the line that says it polls is at info.
  const child = startWorker({ ...b.stack, baseEnv: { ...b.stack.baseEnv, LOG_LEVEL: 'info' } }, i, null, logFile);
  const p = { name, child, logFile };
  b.cleanups.push({ name, run: () => stopProc(p) });
  const deadline = Date.now() + 240_000;
  while (fs.readFileSync(logFile, 'utf8').slice(before).indexOf('polling task queue') < 0) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}); see ${logFile}`);
    if (Date.now() > deadline) throw new Error(`${name} did not poll within 240 s; see ${logFile}`);
    await sleep(300);
  }
  return p;
}

/** The raw baseline's worker number i (bench/cluster-baseline-worker.ts). */
export async function baselineWorker(b: BenchCluster, i: number): Promise<Proc> {
  const name = `baseline-worker-${i}`;
  const logFile = logFileFor(b, name);
  const p = { name, child: startChild(name, 'bench/cluster-baseline-worker.ts', b.stack.baseEnv, logFile), logFile };
  b.cleanups.push({ name, run: () => stopProc(p) });
  await waitForLine(p, 'polling task queue');
  return p;
}

/** An API process on `port`, resolved once /ready answers 200. */
export async function api(b: BenchCluster, i: number, port: number): Promise<Proc> {
  const name = `api-${i}`;
  const logFile = logFileFor(b, name);
  const child = await startApi(b.stack, i, port, logFile);
  const p = { name, child, logFile };
  b.cleanups.push({ name, run: () => stopProc(p) });
  await waitReady([port]);
  return p;
}

export const stopProc = (p: Proc): Promise<void> => stopChild(p.child, 20_000);

/** SIGKILL to the process and its tsx wrapper, as a crash or an OOM kill would; resolves once it is gone. */
export async function crash(p: Proc): Promise<void> {
  const gone = p.child.exitCode !== null || p.child.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => p.child.once('exit', () => r()));
  killGroup(p.child, 'SIGKILL');
  await gone;
}

/** Bearer tokens of the starter and the five assignees, from one API (sessions are in the database). */
export async function tokens(baseUrl: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const u of [STARTER, ...ASSIGNEES]) {
    const r = await post<{ token?: string }>(baseUrl, '/auth/login', { body: { username: u, password: DEMO_PASSWORD } });
    if (r.status !== 200 || !r.body.token) throw new Error(`login ${u}: ${r.status} ${JSON.stringify(r.body)}`);
    out.set(u, r.body.token);
  }
  return out;
}

/** Stops the bench's cluster on Ctrl-C as on a failure. */
export function stopOnSignal(get: () => BenchCluster | null): void {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      log(`${sig}: stopping`);
      void (get()?.stop() ?? Promise.resolve()).then(() => process.exit(130));
    });
  }
}
