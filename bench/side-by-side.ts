/**
 * Side-by-side bench: what one tingjin action costs next to a bare Temporal baseline, on one stack.
 *
 *   npx tsx bench/side-by-side.ts [--clients 8,16] [--procedures 40] [--fanout 3400]
 *                                 [--fanout-kind rectification|examination]
 *                                 [--fanout-timeout 600] [--fanout-stall 120] [--warmup 4] [--keep]
 *                                 [--clients-in-process] [--worker-process] [--profile DIR]
 *                                 [--dynamic-config KEY=VALUE]…
 *
 * --procedures 0 skips the closed loops (fan-out only); --fanout 0 skips the fan-out. --fanout-timeout
 * and --fanout-stall (seconds) end the fan-out's wait in total and without progress. --dynamic-config
 * passes a `--dynamic-config-value` to the dev server, e.g. frontend.searchAttributesSizeOfValueLimit=262144 and
 * frontend.searchAttributesTotalSizeLimit=1048576, without which a feedback over ~120 of the bench's units is
 * refused (its TingjinUnits search attribute lists every unit; the server's default cap is 2 KB).
 * --profile DIR writes a CPU profile of this process's main thread (API, activities, clients of the raw
 * modes) for each closed loop, DIR/<mode>-c<clients>.cpuprofile, for Chrome DevTools or a script.
 * --keep leaves the temp directory (temporal.log, the PostgreSQL cluster) in place.
 * --worker-process runs tingjin's worker as production does, `worker/main.ts` in a process of its own
 * (`npm run worker`, `npm run cluster`), apart from the API; its CPU is the row's `cores.worker`.
 *
 * One process starts everything: an embedded PostgreSQL and a headless Temporal dev server in a fresh
 * temp directory, the tingjin worker (task queue `tingjin`), a second worker for the baseline
 * (bench/baseline-workflow.ts, task queue `bench-baseline`), and the API on a free port. Then, per
 * client count C (1, then each of --clients) and per mode, a closed loop of C clients runs N procedures
 * of five sequential approvals each:
 *   - raw-regular: the raw Temporal client starts the baseline workflow, then sends 5 Updates; each
 *     Update awaits one regular activity that does one PostgreSQL insert;
 *   - raw-local:   the same with a local activity;
 *   - api:         POST /procedures/approvalRequest (5 sequential steps, one seeded user each), then
 *     POST /tasks/:taskId/actions {"action":"approve"} by each step's assignee, from nextTask. Its
 *     clients run in a child process (bench/api-clients.ts), as a load generator would, so that their
 *     fetch and JSON work is not billed to the server; --clients-in-process runs them here, as before.
 * Last, the fan-out: one rectification feedback whose one problem goes to U freshly inserted units.
 *
 * Results are JSON lines on stdout, progress on stderr. Definitions:
 *   - completedPerSec: procedures completed / wall time of the loop (start of the first to end of the last);
 *   - actionP50Ms/P99Ms: latency of one Update (raw) or one POST …/actions (api), over every action;
 *   - startP50Ms: raw: client.workflow.start() until it returns (an Update may then be sent; the
 *     first Update pays for the first workflow task). api: the POST until its 201, which already lists
 *     the open task;
 *   - eventsPerAction = eventsPerProcedure / 5: every history event of a procedure, start and close
 *     included, divided by its 5 actions; eventsPerProcedure is the mean over all N procedures of the
 *     row, maxHistoryEvents the largest one. Histories are fetched after the loop, outside the timing;
 *   - cores: CPU used during the loop, in cores (Linux /proc): this node process (API, both workers and
 *     the raw modes' clients), the Temporal dev server, the PostgreSQL cluster (postmaster and backends), the whole
 *     machine, `clients` (api mode: the clients' own process), and `other` = machine minus those:
 *     anything else running meanwhile. A row with a large `other` shared the machine and is not comparable.
 */
import './quiet-logs';
import { insertUnits } from '../test/helpers/units';
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import inspector from 'node:inspector';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker, type LogEntry } from '@temporalio/worker';
import { createApp } from '../api/app';
import type { StartAnswer } from '../api/temporal';
import { createOrm, migrate } from '../platform/orm';
import { ensureDatabase, startEmbeddedPostgres, withDatabase } from '../platform/postgres';
import { DEMO_PASSWORD, seedDemoData } from '../platform/seed';
import { ensureTemporalCli } from '../platform/temporal-cli';
import { connectClient, startDevServer } from '../platform/temporal';
import { SearchAttr, stateQuery } from '../procedures/kernel/messages';
import { rectificationProcedure } from '../procedures/rectification';
import { createWorker } from '../worker/worker';
import { BASELINE_TASK_QUEUE, type BaselineActivities } from './baseline-workflow';
import { coresUsed, cpuMark, findPostmaster, type Pids } from './cpu';
import { apiRunner, ASSIGNEES, closedLoop, intArg, loopInChild, rawRunner, freePort, mapLimit, percentile, post, round1, round2, sleep, STARTER, STEPS, type LoopResult, type Sample } from './load';

const NAMESPACE = 'default';
const TASK_QUEUE = 'tingjin';

// ---------------------------------------------------------------------------------------------
// Arguments and small helpers

interface Args {
  clients: number[];
  procedures: number;
  fanout: number;
  /** Which parent fans out: a rectification feedback (one item per unit) or an examination batch (全覆盖). */
  fanoutKind: FanOutKind;
  fanoutTimeoutS: number;
  fanoutStallS: number;
  warmup: number;
  keep: boolean;
  clientsInProcess: boolean;
  profileDir: string | null;
  /** Extra `--dynamic-config-value KEY=VALUE` flags for the dev server. */
  dynamicConfig: string[];
  /** Extra `--sqlite-pragma NAME=VALUE` flags for the dev server. */
  sqlitePragma: string[];
  /** Which closed-loop modes run (`--modes api`); all by default. */
  modes: Mode[];
  /** tingjin's worker in its own process (`npm run worker`), apart from the API, as production runs it. */
  workerProcess: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { clients: [8, 16], procedures: 40, fanout: 3400, fanoutKind: 'rectification', fanoutTimeoutS: 600, fanoutStallS: 120, warmup: 4, keep: false, clientsInProcess: false, profileDir: null, dynamicConfig: [], sqlitePragma: [], modes: [...MODES], workerProcess: false };
  const int = intArg;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = (argv[i] as string).split('=', 2) as [string, string | undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--clients':
        args.clients = (value() ?? '').split(',').map((c) => int('--clients', c.trim(), 1));
        break;
      case '--procedures':
        args.procedures = int(flag, value(), 0);
        break;
      case '--fanout':
        args.fanout = int(flag, value(), 0);
        break;
      case '--fanout-kind': {
        const kind = value() ?? '';
        if (!(FANOUT_KINDS as readonly string[]).includes(kind)) throw new Error(`--fanout-kind takes ${FANOUT_KINDS.join(', ')}, got ${kind}`);
        args.fanoutKind = kind as FanOutKind;
        break;
      }
      case '--fanout-timeout':
        args.fanoutTimeoutS = int(flag, value(), 1);
        break;
      case '--fanout-stall':
        args.fanoutStallS = int(flag, value(), 1);
        break;
      case '--warmup':
        args.warmup = int(flag, value(), 0);
        break;
      case '--keep':
        args.keep = true;
        break;
      case '--profile':
        args.profileDir = value() ?? '';
        break;
      case '--clients-in-process':
        args.clientsInProcess = true;
        break;
      case '--worker-process':
        args.workerProcess = true;
        break;
      case '--modes': {
        const modes = (value() ?? '').split(',').map((m) => m.trim());
        const bad = modes.find((m) => !(MODES as readonly string[]).includes(m));
        if (bad !== undefined) throw new Error(`--modes takes ${MODES.join(', ')}, got ${bad}`);
        args.modes = modes as Mode[];
        break;
      }
      case '--dynamic-config': {
        const kv = value() ?? '';
        if (!/^[A-Za-z0-9_.]+=[A-Za-z0-9_.:-]+$/.test(kv)) throw new Error(`--dynamic-config needs KEY=VALUE, got ${kv}`);
        args.dynamicConfig.push(kv);
        break;
      }
      case '--sqlite-pragma': {
        const kv = value() ?? '';
        if (!/^[a-z_]+=[A-Za-z0-9_]+$/.test(kv)) throw new Error(`--sqlite-pragma needs NAME=VALUE, got ${kv}`);
        args.sqlitePragma.push(kv);
        break;
      }
      default:
        throw new Error(`unknown argument ${flag}; see the header of bench/side-by-side.ts`);
    }
  }
  return args;
}

const t0 = performance.now();
function log(line: string): void {
  console.error(`[bench +${((performance.now() - t0) / 1000).toFixed(1)}s] ${line}`);
}

function emit(result: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// ---------------------------------------------------------------------------------------------
// Worker logs: printed (the first ones) and counted, so anomalies show in the report.

const workerLog = { warn: 0, error: 0, printed: 0, messages: new Map<string, number>() };
function onWorkerLog(entry: LogEntry): void {
  if (entry.level !== 'WARN' && entry.level !== 'ERROR') return;
  if (entry.level === 'WARN') workerLog.warn += 1;
  else workerLog.error += 1;
  const key = `${entry.level} ${entry.message}`;
  workerLog.messages.set(key, (workerLog.messages.get(key) ?? 0) + 1);
  if (workerLog.printed < 40) {
    workerLog.printed += 1;
    let meta = '';
    try {
      meta = entry.meta ? JSON.stringify(entry.meta).slice(0, 600) : '';
    } catch {
      meta = '(meta not serialisable)';
    }
    console.error(`[worker ${entry.level}] ${entry.message} ${meta}`);
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP

async function login(baseUrl: string, username: string): Promise<string> {
  const r = await post<{ token?: string }>(baseUrl, '/auth/login', { body: { username, password: DEMO_PASSWORD } });
  if (r.status !== 200 || !r.body.token) throw new Error(`login ${username}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.token;
}

// ---------------------------------------------------------------------------------------------
// The stack

interface Stack {
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

type Cleanup = { what: string; fn: () => Promise<void> };

/**
 * tingjin's worker as production runs it, `worker/main.ts` in its own process (`npm run worker`), so the
 * API's event loop and the worker's main thread (its activities) do not queue behind each other. Resolves
 * with its pid once it polls; its output goes to a log in the temp directory.
 */
async function startWorkerProcess(o: { temporalAddress: string; databaseUrl: string; tmpDir: string }, cleanups: Cleanup[]): Promise<number> {
  const logFile = path.join(o.tmpDir, 'worker.log');
  const out = fs.openSync(logFile, 'a');
  const child = fork(require.resolve('../worker/main'), [], {
    execArgv: ['--import', 'tsx'],
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

async function startStack(args: Args, cleanups: Cleanup[]): Promise<Stack> {
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
  const workerPid = args.workerProcess ? await startWorkerProcess({ temporalAddress: temporal.address, databaseUrl: withDatabase(pg.adminUrl, 'tingjin_bench'), tmpDir }, cleanups) : undefined;
  const [worker, baselineWorker] = await Promise.all([
    workerPid ? null : createWorker({ connection, namespace: NAMESPACE, taskQueue: TASK_QUEUE, orm }),
    bundleWorkflowCode({ workflowsPath: require.resolve('./baseline-workflow'), logger: quiet }).then((workflowBundle) =>
      Worker.create({ connection, namespace: NAMESPACE, taskQueue: BASELINE_TASK_QUEUE, workflowBundle, activities: baselineActivities, shutdownGraceTime: '10 seconds' }),
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

// ---------------------------------------------------------------------------------------------
// Closed-loop modes

type Mode = 'raw-regular' | 'raw-local' | 'api';
const MODES: readonly Mode[] = ['raw-regular', 'raw-local', 'api'];

function procedureRunner(stack: Stack, mode: Mode, tag: string): (i: number) => Promise<Sample> {
  return mode === 'api' ? apiRunner(stack.baseUrl, stack.tokens, tag) : rawRunner(stack.client, mode === 'raw-local', tag);
}

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

interface HistoryStats {
  eventsPerProcedure: number;
  maxHistoryEvents: number;
  notCompleted: number;
  activityRetries: number;
  activityFailures: number;
  workflowTaskFailures: number;
}

/** How many events of each kind, named by the attributes each event carries. */
function eventKinds(h: History): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const e of h.events ?? []) {
    const attr = Object.keys(e).find((k) => k.endsWith('EventAttributes') && (e as Record<string, unknown>)[k] != null) ?? 'unknown';
    const kind = attr.replace(/EventAttributes$/, '');
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return kinds;
}

function historyFacts(h: History) {
  const events = h.events ?? [];
  return {
    kinds: eventKinds(h),
    events: events.length,
    completed: events.some((e) => e.workflowExecutionCompletedEventAttributes != null),
    activityRetries: events.filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1).length,
    activityFailures: events.filter((e) => e.activityTaskFailedEventAttributes != null || e.activityTaskTimedOutEventAttributes != null).length,
    workflowTaskFailures: events.filter((e) => e.workflowTaskFailedEventAttributes != null || e.workflowTaskTimedOutEventAttributes != null).length,
  };
}

async function historyStats(client: Client, workflowIds: string[]): Promise<HistoryStats> {
  const facts = await mapLimit(workflowIds, 8, async (id) => {
    // An api procedure completes just after its last answer (its projection activity runs last).
    const handle = client.workflow.getHandle(id);
    await Promise.race([handle.result().catch(() => undefined), sleep(30_000)]);
    return historyFacts(await handle.fetchHistory());
  });
  const sum = (f: (x: (typeof facts)[number]) => number): number => facts.reduce((a, x) => a + f(x), 0);
  if (facts[0]) log(`  history of ${workflowIds[0]}: ${facts[0].events} events ${JSON.stringify(facts[0].kinds)}`);
  return {
    eventsPerProcedure: facts.length ? round2(sum((x) => x.events) / facts.length) : NaN,
    maxHistoryEvents: Math.max(0, ...facts.map((x) => x.events)),
    notCompleted: facts.filter((x) => !x.completed).length,
    activityRetries: sum((x) => x.activityRetries),
    activityFailures: sum((x) => x.activityFailures),
    workflowTaskFailures: sum((x) => x.workflowTaskFailures),
  };
}

/** A CPU profile of this thread from now until stop(file) (node:inspector, no flag needed). */
async function startProfile(): Promise<{ stop: (file: string) => Promise<void> }> {
  const session = new inspector.Session();
  session.connect();
  const call = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
  await call('Profiler.enable');
  await call('Profiler.start');
  return {
    async stop(file) {
      const { profile } = (await call('Profiler.stop')) as { profile: unknown };
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
      log(`CPU profile: ${file}`);
    },
  };
}

async function runMode(stack: Stack, mode: Mode, clients: number, procedures: number, runTag: string): Promise<Record<string, unknown>> {
  const tag = `${runTag}-c${clients}`;
  const profile = stack.profileDir ? await startProfile() : null;
  const before = cpuMark(stack.pids);
  let loop: LoopResult;
  let clientCores: number | null = null;
  if (mode === 'api' && !stack.clientsInProcess) {
    const out = await loopInChild({ baseUrl: stack.baseUrl, tokens: [...stack.tokens], clients, procedures, tag });
    loop = out.loop;
    clientCores = round2(out.cpuMicros / 1e6 / (loop.wallMs / 1000));
  } else {
    loop = await closedLoop(clients, procedures, procedureRunner(stack, mode, tag));
  }
  if (profile && stack.profileDir) await profile.stop(path.join(stack.profileDir, `${mode}-c${clients}.cpuprofile`));
  const cores = { ...coresUsed(before, cpuMark(stack.pids)), ...(clientCores !== null ? { clients: clientCores } : {}) };
  // The clients' process is part of the machine's busy time, not of `other`.
  if (clientCores !== null && cores.other !== null) cores.other = round2(Math.max(0, cores.other - clientCores));
  const actions = loop.samples.flatMap((s) => s.actionMs);
  const starts = loop.samples.map((s) => s.startMs);
  const hist = await historyStats(stack.client, loop.samples.map((s) => s.workflowId));
  for (const e of loop.errors.slice(0, 5)) log(`  ${mode} C=${clients} error: ${e}`);
  return {
    mode,
    clients,
    procedures,
    completedPerSec: round2(loop.samples.length / (loop.wallMs / 1000)),
    actionP50Ms: round1(percentile(actions, 50)),
    actionP99Ms: round1(percentile(actions, 99)),
    startP50Ms: round1(percentile(starts, 50)),
    eventsPerAction: round2(hist.eventsPerProcedure / STEPS),
    maxHistoryEvents: hist.maxHistoryEvents,
    // Extras: the basis of eventsPerAction, and what to check before trusting a row.
    eventsPerProcedure: hist.eventsPerProcedure,
    startP99Ms: round1(percentile(starts, 99)),
    wallSeconds: round2(loop.wallMs / 1000),
    failed: loop.errors.length,
    notCompleted: hist.notCompleted,
    activityRetries: hist.activityRetries,
    activityFailures: hist.activityFailures,
    workflowTaskFailures: hist.workflowTaskFailures,
    cores,
  };
}

// ---------------------------------------------------------------------------------------------
// Fan-out

/** Today in China time, and a date `days` later, as YYYY-MM-DD. */
function chinaDate(daysFromNow: number): string {
  return new Date(Date.now() + 8 * 3600_000 + daysFromNow * 86_400_000).toISOString().slice(0, 10);
}

const FANOUT_KINDS = ['rectification', 'examination'] as const;
type FanOutKind = (typeof FANOUT_KINDS)[number];

/** What one kind of fan-out starts, and how its children's first tasks are found. */
function fanOutSpec(kind: FanOutKind, units: number, unitIds: string[], runTag: string) {
  if (kind === 'examination') {
    // 全覆盖: one examination of each unit's leading group; its first task is the plan's approval.
    const batchId = `FO${units}-${runTag}`;
    return {
      path: '/procedures/politicalExaminationBatch',
      parentWorkflowId: `political-batch-${batchId}`,
      childPrefix: `political-${batchId}-`,
      childId: (u: string) => `political-${batchId}-${u}`,
      firstStep: 'planApproval',
      body: {
        batchId,
        title: `扇出测试 ${units} 个领导班子`,
        scope: { unitIds },
        plan: {
          dimensions: [{ dimension: 'loyalty', indicators: ['坚决维护党中央权威和集中统一领导'] }],
          positiveList: ['贯彻落实党中央决策部署坚决有力'],
          negativeList: ['表态多调门高、行动少落实差'],
          group: ['zzb-staff', 'xcb-reviewer'],
          timetable: { evidenceWorkingDays: 10, acknowledgeWorkingDays: 5 },
        },
      },
    };
  }
  const feedbackId = `FO${units}-${runTag}`;
  const parentWorkflowId = `rectification-${feedbackId}`;
  // Due within the working-day calendar's years and after the feedback date, whatever today is.
  const year = chinaDate(0).slice(0, 4);
  const dueDate = [chinaDate(25), `${year}-12-31`].sort()[0] as string;
  return {
    path: '/procedures/rectification',
    parentWorkflowId,
    childPrefix: `${parentWorkflowId}-`,
    childId: (u: string) => `${parentWorkflowId}-p1-${u}`,
    firstStep: 'submit',
    body: {
      feedbackId,
      title: `扇出测试 ${units} 个单位`,
      inspectionGroup: '市委第一巡察组',
      feedbackDate: chinaDate(-1),
      inspectionOfficeUnitId: 'xcb',
      problems: [{ no: '1', title: '全覆盖整改', difficulty: 'normal', leadUnitId: 'zzb', assignments: unitIds.map((unitId) => ({ unitId, dueDate })) }],
      // The items only, as in the figures before the 整改报告 was on by default (it adds one child per unit).
      report: false,
    },
  };
}

async function fanOut(stack: Stack, units: number, args: Args, runTag: string): Promise<Record<string, unknown>> {
  const conn = stack.orm.em.getConnection();
  const prefix = `fo${runTag}-`;
  log(`fan-out: inserting ${units} units, each with a staff user and a head`);
  const ins0 = performance.now();
  const unitIds = await insertUnits(stack.orm.em.fork(), prefix, units);
  log(`fan-out: master data inserted in ${round1((performance.now() - ins0) / 1000)} s`);

  const spec = fanOutSpec(args.fanoutKind, units, unitIds, runTag);
  const { body, parentWorkflowId: feedbackWorkflowId } = spec;
  const bodyBytes = Buffer.byteLength(JSON.stringify(body));
  log(`fan-out: POST ${spec.path} over ${units} units (${bodyBytes} bytes)`);

  const countSql = `select count(*)::int as n from task where step = ? and status = 'pending' and starts_with(workflow_id, ?)`;
  const count = async (): Promise<number> => ((await conn.execute<{ n: number }[]>(countSql, [spec.firstStep, spec.childPrefix]))[0]?.n ?? 0);

  const before = cpuMark(stack.pids);
  const started = performance.now();
  const r = await post<StartAnswer>(stack.baseUrl, spec.path, { token: stack.tokens.get('zzb-staff'), key: `start-${feedbackWorkflowId}`, body });
  log(`fan-out: ${r.status} in ${round1(r.ms)} ms`);
  if (r.status !== 201) {
    return { mode: 'fanout', kind: args.fanoutKind, units, startStatus: r.status, startBody: JSON.stringify(r.body).slice(0, 300), bodyBytes, ...(args.fanoutKind === 'rectification' ? await diagnoseStart(stack, body) : {}) };
  }

  let seen = 0;
  let lastChange = performance.now();
  let lastLog = 0;
  let allAt: number | null = null;
  const progress: [number, number][] = [];
  for (;;) {
    const n = await count();
    const now = performance.now();
    if (n !== seen) {
      seen = n;
      lastChange = now;
    }
    const elapsedS = (now - started) / 1000;
    if (now - lastLog >= 5000 || n >= units) {
      lastLog = now;
      progress.push([round1(elapsedS), n]);
      log(`fan-out: ${n}/${units} first tasks in the inbox after ${round1(elapsedS)} s (${round1(n / elapsedS)}/s)`);
    }
    if (n >= units) {
      allAt = elapsedS;
      break;
    }
    if (stack.workerFailure()) break;
    if (elapsedS > args.fanoutTimeoutS) {
      log(`fan-out: timed out after ${args.fanoutTimeoutS} s`);
      break;
    }
    if ((now - lastChange) / 1000 > args.fanoutStallS) {
      log(`fan-out: no new task for ${args.fanoutStallS} s; stalled at ${n}`);
      break;
    }
    await sleep(500);
  }
  const cores = coresUsed(before, cpuMark(stack.pids));
  // Since the fan-out writes its children's openings in bulk before starting them (kernel/fanout.ts `open`),
  // every first task can be in an inbox well before every child runs: a child acted on before its turn is
  // started then. This is when the last one has started on its own.
  let allStartedAt: number | null = null;
  const parentState = stack.client.workflow.getHandle(feedbackWorkflowId);
  while (allAt !== null && !stack.workerFailure()) {
    const elapsedS = (performance.now() - started) / 1000;
    const state = (await parentState.query(stateQuery).catch(() => null)) as { progress?: { total: number; started: number } } | null;
    const p = state?.progress;
    if (state && !p) break;
    if (p && p.started >= p.total) {
      allStartedAt = elapsedS;
      log(`fan-out: all ${p.total} children started after ${round1(elapsedS)} s`);
      break;
    }
    if (elapsedS > args.fanoutTimeoutS) break;
    await sleep(500);
  }

  // The feedback's runs, continued-as-new ones included, each described for its own history length.
  const runIds: string[] = [];
  for await (const wf of stack.client.workflow.list({ query: `WorkflowId="${feedbackWorkflowId}"` })) runIds.push(wf.runId);
  const runs = await mapLimit(runIds, 4, async (runId) => {
    const d = await stack.client.workflow.getHandle(feedbackWorkflowId, runId).describe();
    return { runId, status: d.status.name, historyLength: d.historyLength, historySize: d.historySize ?? null };
  });
  for (const run of runs) log(`fan-out: feedback run ${run.runId} ${run.status}: ${run.historyLength} events, ${run.historySize ?? '?'} bytes`);
  let feedbackProgress: unknown = null;
  try {
    const state = (await stack.client.workflow.getHandle(feedbackWorkflowId).query(stateQuery)) as { progress?: unknown };
    feedbackProgress = state.progress ?? null;
  } catch (err) {
    feedbackProgress = `query failed: ${String(err)}`;
  }

  // Every item: describe it (a missing one was never started).
  const itemIds = unitIds.map(spec.childId);
  const items = await mapLimit(itemIds, 32, async (id) => {
    try {
      const d = await stack.client.workflow.getHandle(id).describe();
      return { events: d.historyLength, bytes: d.historySize ?? 0 };
    } catch {
      return null;
    }
  });
  const itemStats = items.filter((x): x is { events: number; bytes: number } => x !== null);
  return {
    mode: 'fanout',
    kind: args.fanoutKind,
    units,
    secondsUntilAllFirstTasksInInbox: allAt === null ? null : round2(allAt),
    secondsUntilAllChildrenStarted: allStartedAt === null ? null : round2(allStartedAt),
    largestHistoryEvents: Math.max(0, ...runs.map((x) => x.historyLength)),
    largestItemHistoryEvents: Math.max(0, ...itemStats.map((x) => x.events)),
    // Extras.
    firstTasksInInbox: seen,
    itemsStarted: itemStats.length,
    startMs: round1(r.ms),
    bodyBytes,
    feedbackRuns: runs.length,
    feedbackRunEvents: runs.map((x) => x.historyLength),
    largestHistoryBytes: Math.max(0, ...runs.map((x) => x.historySize ?? 0)),
    largestItemHistoryBytes: Math.max(0, ...itemStats.map((x) => x.bytes)),
    feedbackProgress,
    progress,
    cores,
  };
}

/**
 * Why a feedback's start failed, in the server's words (the API answers a plain 500): the API's own
 * plan builds the input, then a plain start on a task queue nobody polls, with and without the
 * units search attribute, is refused or accepted (and terminated at once).
 */
async function diagnoseStart(stack: Stack, body: unknown): Promise<Record<string, unknown>> {
  const start = rectificationProcedure.start;
  if (!start) return {};
  const plan = await start.plan({
    em: stack.orm.em.fork(),
    user: { id: 'zzb-staff', username: 'zzb-staff', displayName: 'bench', unitId: 'zzb', roles: ['staff'] },
    body: start.body.parse(body),
  });
  const units = [...new Set(plan.units)].sort();
  const attempt = async (withUnits: boolean): Promise<string> => {
    const workflowId = `${plan.workflowId}-diagnose-${withUnits ? 'units' : 'plain'}`;
    try {
      const handle = await stack.client.workflow.start(rectificationProcedure.type, {
        taskQueue: 'bench-diagnose-nobody-polls',
        workflowId,
        args: [plan.input],
        typedSearchAttributes: [{ key: SearchAttr.procedureType, value: rectificationProcedure.type }, ...(withUnits ? [{ key: SearchAttr.units, value: units }] : [])],
      });
      await handle.terminate('bench diagnosis');
      return 'accepted';
    } catch (err) {
      const cause = (err as { cause?: { details?: string } }).cause;
      return `refused: ${cause?.details ?? String(err)}`;
    }
  };
  const diagnosis = {
    inputBytes: Buffer.byteLength(JSON.stringify(plan.input)),
    unitsAttributeBytes: Buffer.byteLength(JSON.stringify(units)),
    startWithUnitsAttribute: await attempt(true),
    startWithoutUnitsAttribute: await attempt(false),
  };
  log(`fan-out diagnosis: ${JSON.stringify(diagnosis)}`);
  return diagnosis;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  Runtime.install({ logger: new DefaultLogger('WARN', onWorkerLog) });
  const cpus = os.cpus();
  log(
    `machine: ${cpus.length} × ${cpus[0]?.model ?? '?'}, ${round1(os.totalmem() / 2 ** 30)} GiB, load ${os
      .loadavg()
      .map(round2)
      .join(' ')}; node ${process.version}; args ${JSON.stringify(args)}`,
  );

  const cleanups: Cleanup[] = [];
  let cleaning: Promise<void> | null = null;
  const cleanUp = (): Promise<void> =>
    (cleaning ??= (async () => {
      log('stopping');
      for (const c of cleanups.reverse()) {
        try {
          await c.fn();
        } catch (err) {
          log(`while stopping the ${c.what}: ${String(err)}`);
        }
      }
      log('stopped');
    })());
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      log(`${sig}: cleaning up`);
      void cleanUp().then(() => process.exit(130));
    });
  }

  let failed = false;
  try {
    const stack = await startStack(args, cleanups);
    const runTag = randomBytes(3).toString('hex');

    if (args.warmup > 0 && args.procedures > 0) {
      for (const mode of args.modes) {
        const w = await closedLoop(2, args.warmup, procedureRunner(stack, mode, `${runTag}-warm`));
        log(`warm-up ${mode}: ${w.samples.length} procedures${w.errors.length ? `, errors: ${w.errors.slice(0, 3).join(' | ')}` : ''}`);
      }
    }

    const clientCounts = args.procedures > 0 ? [...new Set([1, ...args.clients])] : [];
    for (const clients of clientCounts) {
      for (const mode of args.modes) {
        if (stack.workerFailure()) throw new Error('a worker failed; see above');
        log(`${mode}: ${args.procedures} procedures with ${clients} client(s)`);
        const result = await runMode(stack, mode, clients, args.procedures, runTag);
        emit(result);
      }
    }

    if (args.fanout > 0) emit(await fanOut(stack, args.fanout, args, runTag));

    const top = [...workerLog.messages.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10);
    log(`worker log: ${workerLog.warn} warnings, ${workerLog.error} errors${top.length ? `; most frequent: ${top.map(([m, n]) => `${n}× ${m}`).join(' | ')}` : ''}`);
  } catch (err) {
    failed = true;
    log(`FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  } finally {
    await cleanUp();
  }
  process.exit(failed ? 1 : 0);
}

main().catch((err: unknown) => {
  log(`FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
