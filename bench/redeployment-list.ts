/**
 * 揭榜出征 at the size issue 9 names: one list of 600 tasks and 600 eligible cadres driven through the API
 * (applications, checks, rankings, the matching, the meeting's vote, the letters' acknowledgements, the
 * terms' start), then every run of the list described with its history's event count. The bound to check:
 * no run over 4,096 events (the list continues as new at rules.maxHistoryEvents, 3,500 by default).
 *
 *   npx tsx bench/redeployment-list.ts [--cadres 600] [--concurrency 6] [--max-events N] [--no-terms] [--keep]
 *
 * One process starts what bench/side-by-side.ts starts, minus its baseline: an embedded PostgreSQL and a
 * headless Temporal dev server in a fresh temp directory, the tingjin worker and the API on a free port.
 * Progress on stderr; one JSON line of figures on stdout. Each cadre applies for two tasks (its own and the
 * next), so each task ranks two applicants. Run on demand; never a test.
 */
import './quiet-logs';
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createApp } from '../api/app';
import { addDays, chinaDateOf } from '../domain/dates';
import { createOrm, migrate } from '../platform/orm';
import { ensureDatabase, startEmbeddedPostgres, withDatabase } from '../platform/postgres';
import { DEMO_PASSWORD, seedDemoData } from '../platform/seed';
import { ensureTemporalCli } from '../platform/temporal-cli';
import { payloadDataConverter } from '../platform/payload-codec';
import { connectClient, startDevServer } from '../platform/temporal';
import { createWorker } from '../worker/worker';
import { freePort, mapLimit, sleep } from './load';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const N = arg('cadres', 600);
const LIMIT = arg('concurrency', 6);
const MAX_EVENTS = arg('max-events', 0);
const TERMS = !argv.includes('--no-terms');
const KEEP = argv.includes('--keep');

const t0 = performance.now();
const log = (line: string): void => console.error(`[bench +${((performance.now() - t0) / 1000).toFixed(1)}s] ${line}`);
/** A JSON answer, read loosely: the bench checks statuses, not shapes. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are read by field, as in the walk-through's jq
type Json = any;
type Cleanup = () => Promise<void>;
const cleanups: Cleanup[] = [];

async function main(): Promise<Record<string, unknown>> {
  // ERROR: at 600 cadres every state query answer passes the SDK's 512 KB payload warning (its size is a figure below).
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tingjin-redeploy-'));
  fs.chmodSync(tmp, 0o755); // the postgres user must be able to enter it
  cleanups.push(async () => (KEEP ? log(`kept ${tmp}`) : fs.rmSync(tmp, { recursive: true, force: true })));
  const cli = await ensureTemporalCli((l) => log(`[temporal-cli] ${l}`));
  const [temporalPort, pgPort] = [await freePort(), await freePort()];
  const temporal = await startDevServer({ cli, dataDir: path.join(tmp, 'temporal'), port: temporalPort, uiPort: null, namespace: 'default' });
  cleanups.push(() => temporal.stop());
  const pg = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'pg'), port: pgPort });
  cleanups.push(() => pg.stop());
  await ensureDatabase(pg.adminUrl, 'tingjin_bench');
  const orm = await createOrm(withDatabase(pg.adminUrl, 'tingjin_bench'));
  cleanups.push(() => orm.close());
  await migrate(orm);
  await seedDemoData(orm);
  const client = await connectClient(temporal.address, 'default');
  cleanups.push(() => client.connection.close());
  const connection = await NativeConnection.connect({ address: temporal.address });
  cleanups.push(() => connection.close());
  const worker = await createWorker({ connection, namespace: 'default', taskQueue: 'tingjin', orm });
  const running = worker.run();
  cleanups.push(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  });
  const { app } = createApp({ orm, client, taskQueue: 'tingjin', sessionHours: 12 });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  cleanups.push(() => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  log(`stack up: API ${base}, Temporal ${temporal.address}`);

  const listId = `BENCH${process.pid}`;
  const wf = `redeployment-${listId}`;
  let keyN = 0;
  let stateUnavailable = 0;
  let largestCommandAnswerBytes = 0;
  let largestCommandMs = 0;
  const tokens = new Map<string, string>();
  const rawPost = async (p: string, body: unknown, token?: string): Promise<{ status: number; body: Json }> => {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': `bench-${process.pid}-${++keyN}` };
    if (token) headers.authorization = `Bearer ${token}`;
    const began = performance.now();
    const res = await fetch(`${base}${p}`, { method: 'POST', headers, body: JSON.stringify(body) });
    const text = await res.text();
    largestCommandAnswerBytes = Math.max(largestCommandAnswerBytes, Buffer.byteLength(text));
    largestCommandMs = Math.max(largestCommandMs, Math.round(performance.now() - began));
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const token = async (user: string): Promise<string> => {
    if (!tokens.has(user)) tokens.set(user, (await rawPost('/auth/login', { username: user, password: DEMO_PASSWORD })).body.token as string);
    return tokens.get(user) as string;
  };
  const post = async (p: string, user: string, body: unknown): Promise<Json> => {
    const r = await rawPost(p, body, await token(user));
    if (r.status === 503) {
      // What the API's state query met: logged, to tell a run's switch from a stalled worker.
      const why = await client.workflow
        .getHandle(wf)
        .query('state')
        .then(
          () => 'the query answers now',
          (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)),
        );
      log(`503 on POST ${p}: ${why}`);
      // The command was taken (its Update answered); only the state read after it failed: counted, not fatal.
      if (r.body?.code === 'state_unavailable') {
        stateUnavailable += 1;
        return r.body;
      }
    }
    if (r.status >= 300) throw new Error(`POST ${p} by ${user}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    return r.body;
  };
  const get = async (p: string, user: string): Promise<Json> => {
    const res = await fetch(`${base}${p}`, { headers: { authorization: `Bearer ${await token(user)}` } });
    return res.json();
  };

  const today = chinaDateOf(new Date());
  const host = (i: number): 'jyj' | 'wjw' => (i % 2 === 0 ? 'jyj' : 'wjw');
  const person = (i: number): string => `GB8${String(i).padStart(4, '0')}`;
  const cadreUser = (i: number): string => `${host(i)}-staff`;

  // Master data: N cadres who left leadership posts, with a field and a fresh health check, by the import.
  const csv = [
    '编号,姓名,出生日期,单位,现职级,任现职级时间,参加工作时间,学历,退出领导岗位时间,专业领域,体检日期,体检结论',
    ...Array.from({ length: N }, (_, i) => `${person(i)},干部${i},1970-0${(i % 9) + 1}-15,${host(i)},正处,2015-01-01,1990-07-01,本科,2025-06-30,教育,${addDays(today, -30)},合格`),
  ].join('\n');
  const imported = await post('/people/import', 'zzb-staff', { format: 'csv', content: Buffer.from(csv).toString('base64') });
  log(`people imported: ${imported.imported}, failed ${imported.failed}`);

  const tasks = Array.from({ length: N }, (_, i) => ({
    taskId: `T${i}`,
    title: `任务${i}`,
    description: '驻村帮扶，推动乡村振兴重点项目',
    hostUnitId: host(i),
    term: { start: addDays(today, 40), end: addDays(today, 400) },
    people: 1,
    requirements: { fields: ['教育'] },
    goals: ['完成项目建设'],
  }));
  const stages: Record<string, number> = {};
  let mark = performance.now();
  const stage = (name: string): void => {
    stages[name] = Math.round(performance.now() - mark);
    mark = performance.now();
    log(`${name}: ${stages[name]} ms`);
  };
  await post('/procedures/redeployment', 'zzb-staff', { listId, title: '压测榜单', tasks, ...(MAX_EVENTS ? { rules: { maxHistoryEvents: MAX_EVENTS } } : {}) });
  await post(`/tasks/${wf}:1/actions`, 'zzb-head', { action: 'approve' });
  await post(`/procedures/${wf}/redeployment`, 'zzb-staff', { action: 'publish', closeDate: addDays(today, 10) });
  stage('startApprovePublish');

  const idx = Array.from({ length: N }, (_, i) => i);
  await mapLimit(idx, LIMIT, async (i) => {
    await post(`/procedures/${wf}/redeployment`, cadreUser(i), { action: 'apply', personId: person(i), taskIds: [`T${i}`, `T${(i + 1) % N}`], statement: '愿赴一线' });
  });
  stage('applications');
  await post(`/procedures/${wf}/redeployment`, 'zzb-staff', { action: 'closeApplications', reason: '报名截止' });
  await mapLimit(idx, LIMIT, async (i) => {
    await post(`/procedures/${wf}/redeployment`, 'zzb-staff', { action: 'recordCheck', personId: person(i), health: { date: today, result: 'fit' } });
  });
  stage('checks');
  // Task i's applicants: cadre i (first choice) and cadre i-1 (second choice).
  await mapLimit(idx, LIMIT, async (i) => {
    await post(`/procedures/${wf}/redeployment`, `${host(i)}-head`, { action: 'rank', taskId: `T${i}`, personIds: [person(i), person((i + N - 1) % N)] });
  });
  stage('rankings');
  await post(`/procedures/${wf}/redeployment`, 'zzb-staff', { action: 'runMatching' });
  const pairs = (await get(`/procedures/${wf}/redeployment/proposal`, 'zzb-staff')).proposal.pairs as { taskId: string; personId: string }[];
  await post(`/procedures/${wf}/redeployment`, 'zzb-staff', { action: 'submitProposal' });
  stage('matching');
  // The stages after the matching, as far as the API lets them go: a refusal ends the drive, not the bench.
  let stoppedAt: string | null = null;
  let termsStarted = 0;
  let voteRequestBytes = 0;
  let letters: { letterId: string; taskId: string; personId: string }[] = [];
  try {
    await afterMatching();
  } catch (err) {
    stoppedAt = String(err).slice(0, 300);
    log(`stopped: ${stoppedAt}`);
  }
  async function afterMatching(): Promise<void> {
  // The meeting is recorded first (its date, zzb's approver present) with its minutes; then the member votes
  // on the whole slate at once: 同意 every pair, one command.
  await post(`/procedures/${wf}/redeployment`, 'zzb-staff', { action: 'openMeeting', date: today, present: ['zzb-head'] });
  await post(`/procedures/${wf}/redeployment`, 'zzb-staff', { action: 'attachMinutes', minutesRef: '部务会纪要（基准测试）' });
  const voteBody = { action: 'vote', choice: 'agree' };
  voteRequestBytes = Buffer.byteLength(JSON.stringify(voteBody));
  const voted = await post(`/procedures/${wf}/redeployment`, 'zzb-head', voteBody);
  stage('vote');
  letters = (await get(`/procedures/${wf}`, 'zzb-staff')).state.letters as { letterId: string; taskId: string; personId: string }[];
  log(`stage after the vote: ${voted.stage}; ${pairs.length} pairs, ${letters.length} letters`);
  const acks = letters.flatMap((l) => {
    const i = Number(l.personId.slice(2));
    const t = Number(l.taskId.slice(1));
    return [
      { letterId: l.letterId, as: 'cadre', user: cadreUser(i) },
      { letterId: l.letterId, as: 'hostUnit', user: `${host(t)}-head` },
    ];
  });
  // The last acknowledgement starts the terms; keep it for the end so the rest run in parallel.
  const last = acks.pop();
  if (!TERMS) log('--no-terms: the last acknowledgement is not sent');
  await mapLimit(acks, LIMIT, async (a) => {
    await post(`/procedures/${wf}/redeployment`, a.user, { action: 'acknowledge', letterId: a.letterId, as: a.as });
  });
  if (TERMS && last) await post(`/procedures/${wf}/redeployment`, last.user, { action: 'acknowledge', letterId: last.letterId, as: last.as });
  stage('acknowledgements');
  if (TERMS) {
    for (const until = Date.now() + 300_000; Date.now() < until; await sleep(2000)) {
      termsStarted = (await get(`/procedures/${wf}/redeployment/figures`, 'zzb-staff')).terms?.started ?? 0;
      if (termsStarted >= pairs.length) break;
    }
    stage('termsStarted');
  }
  }

  // Every run of the list, oldest first, with its history.
  // Each closed run is also replayed on the current code: a continue-as-new must replay like any command.
  const quiet = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m: string) => log(`[bundle] ${m}`) };
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quiet });
  const runs: { runId: string; status: string; events: number; inputBytes: number; replays: string; startedAt: string }[] = [];
  for await (const r of client.workflow.list({ query: `WorkflowId="${wf}"` })) {
    const h = await client.workflow.getHandle(wf, r.runId).fetchHistory();
    const first = h.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    const replays = r.status.name === 'RUNNING' ? 'running' : await Worker.runReplayHistory({ workflowBundle, dataConverter: payloadDataConverter() }, h, wf).then(() => 'ok', (e: unknown) => String(e).slice(0, 200));
    runs.push({ runId: r.runId, status: r.status.name, events: h.events?.length ?? 0, inputBytes: first.reduce((n, p) => n + (p.data?.length ?? 0), 0), replays, startedAt: r.startTime.toISOString() });
  }
  runs.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const em = orm.em.fork();
  const actionRows = (await em.getConnection().execute<{ n: number }[]>('select count(*)::int as n from action_log where workflow_id = ?', [wf]))[0]?.n ?? 0;
  const stateRes = await fetch(`${base}/procedures/${wf}`, { headers: { authorization: `Bearer ${await token('zzb-staff')}` } });
  const stateText = await stateRes.text();
  const state: Json = (JSON.parse(stateText) as { state: Json }).state;
  return {
    bench: 'redeployment-list',
    cadres: N,
    tasks: N,
    concurrency: LIMIT,
    maxHistoryEvents: MAX_EVENTS || 'default',
    stagesMs: stages,
    pairs: pairs.length,
    letters: letters.length,
    termsStarted,
    stoppedAt,
    stage: state.stage,
    stateAnswerBytes: Buffer.byteLength(stateText),
    actionsInState: state.actions?.length ?? 0,
    voteRequestBytes,
    largestCommandAnswerBytes,
    largestCommandMs,
    actionRows,
    stateUnavailable,
    runs: runs.map(({ startedAt: _s, ...r }) => r),
    maxEventsPerRun: Math.max(...runs.map((r) => r.events)),
  };
}

void (async () => {
  let code = 0;
  try {
    process.stdout.write(`${JSON.stringify(await main())}\n`);
  } catch (err) {
    code = 1;
    log(`FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
  for (const c of cleanups.reverse()) await c().catch((e: unknown) => log(`cleanup: ${String(e)}`));
  process.exit(code);
})();
