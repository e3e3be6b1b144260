/**
 * Scale-out on the cluster (issue 14 §4): the side-by-side closed loop against `npm run cluster`'s stack
 * (the Temporal server on PostgreSQL, workers and APIs each a process of their own), with 1, 2 and 4
 * workers in one run.
 *
 *   npx tsx bench/cluster-scale.ts [--workers 1,2,4] [--clients 8] [--procedures 80] [--warmup 4]
 *                                  [--apis 1] [--shards 16] [--keep]
 *
 * One stack (bench/cluster-stack.ts); per worker count N, N tingjin workers (`npm run worker`) and N
 * baseline workers (bench/cluster-baseline-worker.ts) are started, and two closed loops of C clients run
 * P procedures of five sequential approvals each (bench/load.ts):
 *   - raw-regular: the raw Temporal client starts the baseline workflow and sends 5 Updates; each Update
 *     awaits one regular activity that does one PostgreSQL insert. The clients run in this process;
 *   - api: POST /procedures/approvalRequest, then 5 × POST /tasks/:taskId/actions, against the API
 *     process(es) (the clients spread over them), from a process of their own (bench/api-clients.ts).
 * Then the workers are stopped and the next row starts. The API processes stay up all along.
 *
 * Output: a JSON line per row and mode on stdout, then a Markdown table. completed/s is procedures over
 * the loop's wall time; action p50/p99 is the latency of one Update (raw) or one POST …/actions (api).
 * CPU is in cores, per process kind over the loop (Linux /proc; a process with its tsx wrapper):
 * `workers` the tingjin workers (api) or the baseline workers (raw), `apis`, `clients` (the load
 * generator: this process for raw, the forked one for api), `temporal`, `postgres`, `machine`, and
 * `other`: what the rest of the machine used meanwhile (other people's work). A machine near 2.0 is
 * saturated: more workers cannot help.
 */
import './quiet-logs';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { api, baselineWorker, log, startBenchCluster, stopOnSignal, stopProc, tokens as login, worker, type BenchCluster, type Proc } from './cluster-stack';
import { cpuMark, findPostmaster } from './cpu';
import { closedLoop, freePort, intArg, loopInChild, percentile, rawRunner, round1, round2, type LoopResult } from './load';

interface Args {
  workers: number[];
  clients: number;
  procedures: number;
  warmup: number;
  apis: number;
  shards: number;
  keep: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { workers: [1, 2, 4], clients: 8, procedures: 80, warmup: 4, apis: 1, shards: 16, keep: false };
  const int = intArg;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = (argv[i] as string).split('=', 2) as [string, string | undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    if (flag === '--workers') args.workers = (value() ?? '').split(',').map((w) => int(flag, w.trim(), 1));
    else if (flag === '--clients') args.clients = int(flag, value(), 1);
    else if (flag === '--procedures') args.procedures = int(flag, value(), 1);
    else if (flag === '--warmup') args.warmup = int(flag, value(), 0);
    else if (flag === '--apis') args.apis = int(flag, value(), 1);
    else if (flag === '--shards') args.shards = int(flag, value(), 1);
    else if (flag === '--keep') args.keep = true;
    else throw new Error(`unknown argument ${flag}; see the header of bench/cluster-scale.ts`);
  }
  return args;
}

// ---------------------------------------------------------------------------------------------
// CPU per process kind: a process's ticks with its descendants' (tsx runs the script in a child).

function processTree(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      /* gone */
    }
  }
  return children;
}

function ticksOf(pid: number): number {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const v = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return Number(v[11]) + Number(v[12]);
  } catch {
    return 0;
  }
}

/** utime + stime of these processes and all their descendants, in ticks (CLK_TCK 100). */
function treeTicks(roots: readonly number[], tree: Map<number, number[]>): number {
  let sum = 0;
  const stack = [...roots];
  while (stack.length) {
    const pid = stack.pop() as number;
    sum += ticksOf(pid);
    stack.push(...(tree.get(pid) ?? []));
  }
  return sum;
}

interface Kinds {
  workers: Proc[];
  apis: Proc[];
}

function mark(b: BenchCluster, kinds: Kinds) {
  const tree = processTree();
  const pid = (p: Proc) => p.child.pid as number;
  const base = cpuMark({ temporal: b.stack.server?.process.pid, postmaster: b.stack.pgDataDir ? findPostmaster(b.stack.pgDataDir) : undefined });
  return { base, workers: treeTicks(kinds.workers.map(pid), tree), apis: treeTicks(kinds.apis.map(pid), tree) };
}

function cores(a: ReturnType<typeof mark>, b: ReturnType<typeof mark>, clientMicros: number | null) {
  const wallS = (b.base.wall - a.base.wall) / 1000;
  const t = (x: number | null, y: number | null) => (x !== null && y !== null ? (y - x) / 100 / wallS : null);
  const self = (b.base.node.user - a.base.node.user + b.base.node.system - a.base.node.system) / 1e6 / wallS;
  const clients = clientMicros === null ? self : clientMicros / 1e6 / wallS;
  const out = {
    workers: t(a.workers, b.workers),
    apis: t(a.apis, b.apis),
    clients,
    temporal: t(a.base.temporalTicks, b.base.temporalTicks),
    postgres: t(a.base.pgTicks, b.base.pgTicks),
    machine: a.base.machine && b.base.machine ? ((b.base.machine.busy - a.base.machine.busy) / (b.base.machine.total - a.base.machine.total)) * os.cpus().length : null,
  };
  // In the api mode this process only waits, but its own CPU is part of the machine's too.
  const ours = (out.workers ?? 0) + (out.apis ?? 0) + out.clients + (clientMicros === null ? 0 : self) + (out.temporal ?? 0) + (out.postgres ?? 0);
  const other = out.machine === null ? null : Math.max(0, out.machine - ours);
  return Object.fromEntries(Object.entries({ ...out, other }).map(([k, v]) => [k, v === null ? null : round2(v)])) as Record<string, number | null>;
}

function summary(loop: LoopResult) {
  const actions = loop.samples.flatMap((s) => s.actionMs);
  return {
    completedPerSec: round2(loop.samples.length / (loop.wallMs / 1000)),
    actionP50Ms: round1(percentile(actions, 50)),
    actionP99Ms: round1(percentile(actions, 99)),
    startP50Ms: round1(percentile(loop.samples.map((s) => s.startMs), 50)),
    wallSeconds: round2(loop.wallMs / 1000),
    failed: loop.errors.length,
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const cpus = os.cpus();
  log(`machine: ${cpus.length} × ${cpus[0]?.model ?? '?'}, ${round1(os.totalmem() / 2 ** 30)} GiB, load ${os.loadavg().map(round2).join(' ')}; node ${process.version}; args ${JSON.stringify(args)}`);
  let b: BenchCluster | null = null;
  stopOnSignal(() => b);
  const rows: Record<string, unknown>[] = [];
  let failed = false;
  try {
    b = await startBenchCluster({ shards: args.shards, keep: args.keep });
    const runTag = randomBytes(3).toString('hex');
    const apis: Proc[] = [];
    const baseUrls: string[] = [];
    for (const n of args.workers) {
      log(`row: ${n} worker(s)`);
      const started = performance.now();
      const [workers, baselines] = await Promise.all([
        Promise.all(Array.from({ length: n }, (_, i) => worker(b as BenchCluster, i + 1))),
        Promise.all(Array.from({ length: n }, (_, i) => baselineWorker(b as BenchCluster, i + 1))),
      ]);
      log(`  ${n} tingjin and ${n} baseline worker(s) polling after ${round1((performance.now() - started) / 1000)} s`);
      // The APIs once, after the first workers: /ready needs a polling worker.
      for (let i = apis.length; i < args.apis; i++) {
        const port = await freePort();
        apis.push(await api(b, i + 1, port));
        baseUrls.push(`http://127.0.0.1:${port}`);
      }
      const tokens = await login(baseUrls[0] as string);
      const tag = `${runTag}-w${n}`;
      if (args.warmup > 0) {
        await closedLoop(2, args.warmup, rawRunner(b.client, false, `${tag}-warm`));
        const w = await loopInChild({ baseUrl: baseUrls[0] as string, baseUrls, tokens: [...tokens], clients: 2, procedures: args.warmup, tag: `${tag}-warm` });
        if (w.loop.errors.length) log(`  warm-up errors: ${w.loop.errors.slice(0, 3).join(' | ')}`);
      }

      log(`  raw-regular: ${args.procedures} procedures, ${args.clients} clients`);
      let m0 = mark(b, { workers: baselines, apis });
      const raw = await closedLoop(args.clients, args.procedures, rawRunner(b.client, false, tag));
      const rawRow = { mode: 'raw-regular', workers: n, clients: args.clients, procedures: args.procedures, ...summary(raw), cores: cores(m0, mark(b, { workers: baselines, apis }), null) };
      process.stdout.write(`${JSON.stringify(rawRow)}\n`);
      rows.push(rawRow);

      log(`  api: ${args.procedures} procedures, ${args.clients} clients`);
      m0 = mark(b, { workers, apis });
      const out = await loopInChild({ baseUrl: baseUrls[0] as string, baseUrls, tokens: [...tokens], clients: args.clients, procedures: args.procedures, tag });
      const apiRow = { mode: 'api', workers: n, clients: args.clients, procedures: args.procedures, ...summary(out.loop), cores: cores(m0, mark(b, { workers, apis }), out.cpuMicros) };
      process.stdout.write(`${JSON.stringify(apiRow)}\n`);
      rows.push(apiRow);
      for (const e of [...raw.errors, ...out.loop.errors].slice(0, 5)) log(`  error: ${e}`);

      await Promise.all([...workers, ...baselines].map(stopProc));
    }
  } catch (err) {
    failed = true;
    log(`FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  } finally {
    await b?.stop();
  }
  if (rows.length) printTable(rows);
  process.exit(failed ? 1 : 0);
}

function printTable(rows: Record<string, unknown>[]): void {
  const get = (r: Record<string, unknown>, k: string) => r[k] as number;
  const byMode = (mode: string, n: number) => rows.find((r) => r.mode === mode && r.workers === n);
  const one = (mode: string) => byMode(mode, get(rows[0] as Record<string, unknown>, 'workers'));
  const lines = [
    '| workers | mode | completed/s | × 1 worker | action p50 ms | action p99 ms | API vs raw: completed/s, p50 | cores: workers | apis | clients | temporal | postgres | machine | other |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const c = r.cores as Record<string, number | null>;
    const first = one(r.mode as string);
    const raw = byMode('raw-regular', get(r, 'workers'));
    const vsRaw = r.mode === 'api' && raw ? `${round2(get(r, 'completedPerSec') / get(raw, 'completedPerSec'))} ×, ${round2(get(r, 'actionP50Ms') / get(raw, 'actionP50Ms'))} ×` : '';
    const scale = first ? `${round2(get(r, 'completedPerSec') / get(first, 'completedPerSec'))}` : '';
    lines.push(
      `| ${String(r.workers)} | ${String(r.mode)} | ${get(r, 'completedPerSec')} | ${scale} | ${get(r, 'actionP50Ms')} | ${get(r, 'actionP99Ms')} | ${vsRaw} | ${c.workers} | ${c.apis} | ${c.clients} | ${c.temporal} | ${c.postgres} | ${c.machine} | ${c.other} |`,
    );
  }
  process.stdout.write(`\n${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  log(`FAILED: ${String(err)}`);
  process.exit(1);
});
