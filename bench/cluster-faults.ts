/**
 * Faults on the cluster (issue 14 §5), a script that prints its findings: on `npm run cluster`'s stack
 * (bench/cluster-stack.ts) with two workers and two API processes, three phases, each a closed loop of C
 * clients running P approval requests of five sequential approvals through both APIs (bench/load.ts
 * apiRunner), with a fault a third of the way in:
 *   1. worker killed: SIGKILL to one of the two workers (and its tsx wrapper); the other must take over;
 *   2. API killed: SIGKILL to one of the two API processes; the clients send a failed request again,
 *      with the same Idempotency-Key, to the other API (RetryPolicy: on a transport error, a 5xx, or
 *      409 idempotency_in_progress while the dead request's reservation holds the key);
 *   3. Temporal server restarted: stopped and started again on the same databases.
 * The killed process is started again after its phase. Afterwards, for every procedure of the phase
 * (found by its title in the database, not only those whose client finished):
 *   - it completed: the workflow is COMPLETED and its row approved;
 *   - no action lost or duplicated: 5 approve entries in the action log, on 5 distinct tasks, 5 tasks done;
 *   - the projection equals the workflow's state: the reconciler's own comparison (platform/reconcile.ts,
 *     report only) finds no drift;
 *   - its audit chain verifies (platform/anchor.ts verifyAudit);
 * and every request a client made is sent once more, same key, user and body, to the surviving API: the
 * answer must be the first outcome the client got (status and body). The workers that completed workflow
 * tasks after the fault are named, to show who took over.
 *
 *   npx tsx bench/cluster-faults.ts [--clients 8] [--procedures 48] [--phases worker,api,server] [--keep]
 *
 * Prints a JSON line per phase on stdout and a summary table; exits 1 if an invariant fails.
 */
import './quiet-logs';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { performance } from 'node:perf_hooks';
import type { MikroORM } from '@mikro-orm/postgresql';
import { verifyAudit } from '../platform/anchor';
import { createOrm } from '../platform/orm';
import { reconcile } from '../platform/reconcile';
import { api, crash, log, startBenchCluster, stopOnSignal, tokens as login, worker, type BenchCluster, type Proc } from './cluster-stack';
import { apiRunner, closedLoop, freePort, mapLimit, percentile, post, round1, round2, sleep, STEPS, type KeyedAnswer, type Sample } from './load';

const PHASES = ['worker', 'api', 'server'] as const;
type Phase = (typeof PHASES)[number];

interface Args {
  clients: number;
  procedures: number;
  phases: Phase[];
  keep: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { clients: 8, procedures: 48, phases: [...PHASES], keep: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = (argv[i] as string).split('=', 2) as [string, string | undefined];
    const value = (): string => inline ?? argv[++i] ?? '';
    const int = (v: string): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive integer, got ${v}`);
      return n;
    };
    if (flag === '--clients') args.clients = int(value());
    else if (flag === '--procedures') args.procedures = int(value());
    else if (flag === '--phases') {
      const list = value().split(',');
      const bad = list.find((p) => !(PHASES as readonly string[]).includes(p));
      if (bad !== undefined) throw new Error(`--phases takes ${PHASES.join(',')}, got ${bad}`);
      args.phases = list as Phase[];
    } else if (flag === '--keep') args.keep = true;
    else throw new Error(`unknown argument ${flag}; see the header of bench/cluster-faults.ts`);
  }
  return args;
}

/** What a phase found. */
interface Finding {
  phase: Phase;
  procedures: number;
  clientFailures: number;
  retries: number;
  notCompleted: string[];
  lostOrDuplicated: string[];
  drift: string[];
  auditBroken: string[];
  repeatsChecked: number;
  repeatsDiffering: string[];
  /** Worker identities that completed workflow tasks of the phase after the fault. */
  tookOver: string[];
  faultAtSeconds: number;
  wallSeconds: number;
  actionP50Ms: number;
  actionMaxMs: number;
}

interface Row {
  workflow_id: string;
  status: string;
}

/** The SDK's default worker identity, pid@host, of the script's node process under a worker's tsx wrapper. */
function identityOf(p: Proc): string | null {
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === p.child.pid) return `${d}@${os.hostname()}`;
    } catch {
      /* gone */
    }
  }
  return null;
}

async function checkPhase(b: BenchCluster, orm: MikroORM, phase: Phase, tag: string, samples: Sample[], faultAt: Date, surviving: string): Promise<Omit<Finding, 'phase' | 'clientFailures' | 'faultAtSeconds' | 'wallSeconds' | 'actionP50Ms' | 'actionMaxMs'>> {
  const em = orm.em.fork();
  // Every procedure the phase started, whether or not its client finished (apiRunner's title).
  const rows = await em.execute<Row[]>(`select workflow_id, status from procedure where title like ? order by workflow_id`, [`bench ${tag} #%`]);
  const notCompleted: string[] = [];
  const lostOrDuplicated: string[] = [];
  const drift: string[] = [];
  const auditBroken: string[] = [];
  const tookOver = new Set<string>();
  await mapLimit(rows, 4, async (row) => {
    const id = row.workflow_id;
    const handle = b.client.workflow.getHandle(id);
    // A procedure completes just after its last answer (its last projection); give it a moment. Polled,
    // not result(): a long poll left pending would outlive the client's connection.
    let d = await handle.describe();
    for (const until = Date.now() + 60_000; d.status.name === 'RUNNING' && Date.now() < until; d = await handle.describe()) await sleep(500);
    const [again] = await em.fork().execute<Row[]>(`select workflow_id, status from procedure where workflow_id = ?`, [id]);
    if (d.status.name !== 'COMPLETED' || again?.status !== 'approved') notCompleted.push(`${id}: workflow ${d.status.name}, row ${again?.status}`);
    const [acts] = await em.fork().execute<{ n: number; tasks: number }[]>(`select count(*)::int as n, count(distinct task_id)::int as tasks from action_log where workflow_id = ? and action = 'approve'`, [id]);
    const [tasks] = await em.fork().execute<{ n: number; done: number }[]>(`select count(*)::int as n, count(*) filter (where status = 'done')::int as done from task where workflow_id = ?`, [id]);
    if (acts?.n !== STEPS || acts.tasks !== STEPS || tasks?.n !== STEPS || tasks.done !== STEPS) lostOrDuplicated.push(`${id}: ${acts?.n} approvals on ${acts?.tasks} tasks, ${tasks?.done}/${tasks?.n} tasks done`);
    const r = await reconcile(em.fork(), b.client, { workflowId: id, repair: false, log: () => undefined });
    if (r.findings.length) drift.push(`${id}: ${r.findings.map((f) => f.kind).join(',')}`);
    const audit = await verifyAudit(em.fork(), { workflowId: id });
    const chain = audit.chains[0]?.chain;
    if (!chain?.ok) auditBroken.push(`${id}: ${JSON.stringify(chain)}`);
    const { events } = await handle.fetchHistory();
    for (const e of events ?? []) {
      const t = e.eventTime?.seconds ? Number(e.eventTime.seconds) * 1000 : 0;
      const who = e.workflowTaskCompletedEventAttributes?.identity;
      if (who && t > faultAt.getTime()) tookOver.add(who);
    }
  });
  // The first outcome: every request again, same key, user and body, to the API that survived.
  const answers = samples.flatMap((s) => s.answers ?? []);
  const repeatsDiffering: string[] = [];
  const tokens = await login(surviving);
  await mapLimit(answers, 4, async (a: KeyedAnswer) => {
    const r = await post(surviving, a.path, { token: tokens.get(a.user), key: a.key, body: a.body });
    if (r.status !== a.status || !isDeepStrictEqual(r.body, a.answer)) repeatsDiffering.push(`${a.key}: first ${a.status}, again ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
  });
  return { procedures: rows.length, retries: samples.reduce((n, s) => n + (s.retries ?? 0), 0), notCompleted, lostOrDuplicated, drift, auditBroken, repeatsChecked: answers.length, repeatsDiffering, tookOver: [...tookOver].sort() };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  log(`machine: ${os.cpus().length} cores, load ${os.loadavg().map(round2).join(' ')}; args ${JSON.stringify(args)}`);
  let b: BenchCluster | null = null;
  stopOnSignal(() => b);
  const findings: Finding[] = [];
  let failed = false;
  try {
    b = await startBenchCluster({ shards: 16, keep: args.keep });
    const workers: Proc[] = await Promise.all([worker(b, 1), worker(b, 2)]);
    const ports = [await freePort(), await freePort()];
    const apis: Proc[] = [];
    for (const [i, port] of ports.entries()) apis.push(await api(b, i + 1, port));
    const urls = ports.map((p) => `http://127.0.0.1:${p}`);
    const tokens = await login(urls[0] as string);
    const orm = await createOrm(b.stack.appDbUrl);
    b.cleanups.push({ name: 'ORM', run: () => orm.close() });
    const runTag = randomBytes(3).toString('hex');
    // Worker identities by name; a restarted worker-1 is a new process, "worker-1 (restarted)".
    const names = new Map<string, string>();
    // Longer than an idempotency reservation's lease (api/idempotency.ts, 120 s), which a request that
    // died with its API holds.
    const policy = { forMs: 300_000, intervalMs: 500 };

    for (const phase of args.phases) {
      const bc = b;
      const tag = `${runTag}-${phase}`;
      log(`phase ${phase}: ${args.procedures} procedures, ${args.clients} clients over both APIs; the fault a third of the way in`);
      let done = 0;
      const runner = apiRunner(urls, tokens, tag, policy);
      const started = performance.now();
      const loop = closedLoop(args.clients, args.procedures, (i) => runner(i).then((s) => ((done += 1), s)));
      while (done < args.procedures / 3) await sleep(100);
      const faultAt = new Date();
      for (const w of workers) {
        const id = identityOf(w);
        if (id) names.set(id, w.name);
      }
      const faultAtSeconds = round2((performance.now() - started) / 1000);
      let surviving = urls[1] as string;
      if (phase === 'worker') {
        log(`  SIGKILL ${workers[0]?.name} after ${done} procedures`);
        await crash(workers[0] as Proc);
      } else if (phase === 'api') {
        log(`  SIGKILL ${apis[0]?.name} after ${done} procedures`);
        await crash(apis[0] as Proc);
      } else {
        log(`  restarting the Temporal server after ${done} procedures`);
        if (!bc.stack.restartServer) throw new Error('no server of our own to restart');
        const t0 = performance.now();
        await bc.stack.restartServer();
        log(`  the server serves again after ${round1((performance.now() - t0) / 1000)} s`);
        surviving = urls[0] as string;
      }
      const result = await loop;
      const wallSeconds = round2((performance.now() - started) / 1000);
      log(`  loop done in ${wallSeconds} s: ${result.samples.length} completed by their clients, ${result.errors.length} failed`);
      for (const e of result.errors.slice(0, 5)) log(`  client error: ${e}`);
      // The killed process comes back, for the next phase.
      if (phase === 'worker') {
        workers[0] = await worker(bc, 1);
        workers[0].name = 'worker-1 (restarted)';
      }
      if (phase === 'api') apis[0] = await api(bc, 1, ports[0] as number);
      const checked = await checkPhase(bc, orm, phase, tag, result.samples, faultAt, surviving);
      const actions = result.samples.flatMap((s) => s.actionMs);
      const f: Finding = { phase, clientFailures: result.errors.length, faultAtSeconds, wallSeconds, actionP50Ms: round1(percentile(actions, 50)), actionMaxMs: round1(Math.max(0, ...actions)), ...checked };
      f.tookOver = f.tookOver.map((id) => names.get(id) ?? id);
      findings.push(f);
      process.stdout.write(`${JSON.stringify(f)}\n`);
    }
  } catch (err) {
    failed = true;
    log(`FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  } finally {
    await b?.stop();
  }
  const bad = (f: Finding) => f.clientFailures + f.notCompleted.length + f.lostOrDuplicated.length + f.drift.length + f.auditBroken.length + f.repeatsDiffering.length;
  const lines = [
    '| fault | procedures | completed | lost or duplicated | drift | audit broken | client failures (retries) | repeats = first outcome | took over | fault at / loop s | action p50 / max ms |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...findings.map(
      (f) =>
        `| ${f.phase} | ${f.procedures} | ${f.procedures - f.notCompleted.length} | ${f.lostOrDuplicated.length} | ${f.drift.length} | ${f.auditBroken.length} | ${f.clientFailures} (${f.retries}) | ${f.repeatsChecked - f.repeatsDiffering.length}/${f.repeatsChecked} | ${f.tookOver.join(', ')} | ${f.faultAtSeconds} / ${f.wallSeconds} | ${f.actionP50Ms} / ${f.actionMaxMs} |`,
    ),
  ];
  process.stdout.write(`\n${lines.join('\n')}\n`);
  for (const f of findings) for (const x of [...f.notCompleted, ...f.lostOrDuplicated, ...f.drift, ...f.auditBroken, ...f.repeatsDiffering].slice(0, 10)) log(`  ${f.phase}: ${x}`);
  process.exit(failed || findings.some((f) => bad(f) > 0) ? 1 : 0);
}

main().catch((err: unknown) => {
  log(`FAILED: ${String(err)}`);
  process.exit(1);
});
