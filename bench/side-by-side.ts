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
 * modes) for each closed loop, DIR/<mode>-c<clients>.cpuprofile, for Chrome DevTools or a script; with
 * --worker-process, also one profile per thread of the worker's process for the whole run, in DIR/worker.
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
 *     HTTP and JSON work is not billed to the server; --clients-in-process runs them here, as before.
 * Last, the fan-out: one rectification feedback whose one problem goes to U freshly inserted units.
 * The stack is in bench/side-by-side-stack.ts, the closed loops in bench/side-by-side-modes.ts, the fan-out in
 * bench/fanout.ts.
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
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import { FANOUT_KINDS, fanOut, type FanOutArgs, type FanOutKind } from './fanout';
import { closedLoop, intArg, round1, round2 } from './load';
import { MODES, procedureRunner, runMode, type Mode } from './side-by-side-modes';
import { log, startStack, type Cleanup, type StackArgs } from './side-by-side-stack';

// ---------------------------------------------------------------------------------------------
// Arguments and small helpers

/** The bench's arguments; those of the stack and the fan-out are declared with them. */
interface Args extends StackArgs, FanOutArgs {
  clients: number[];
  procedures: number;
  fanout: number;
  warmup: number;
  /** Which closed-loop modes run (`--modes api`); all by default. */
  modes: Mode[];
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
