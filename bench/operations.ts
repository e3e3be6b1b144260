/**
 * The supervision and operations figures of issue 13, in one run on a throwaway stack (an embedded
 * PostgreSQL and a headless Temporal dev server in a temporary directory, removed at the end):
 *
 *   1. the board against Temporal visibility. The board's grouping query (platform/board.ts) over the rows
 *      bench/board.ts seeds (BENCH_PROCEDURES, 100,000 procedures and 10 task rows each), and the same filter
 *      through `client.workflow.list` (ListWorkflowExecutions) on the search attributes, grouped by unit ×
 *      stage × type in the client, over BENCH_VISIBILITY running executions (default 10,000) that carry the
 *      same attributes as the first open rows. The dev server's visibility is SQLite; see bench/README.md for
 *      why this route and what it favours.
 *   2. the XLSX export of the board (GET /supervision/board/export, the streaming path) once every seeded
 *      procedure is open and overdue, so its 明细 sheet has BENCH_PROCEDURES rows: wall time, bytes and the
 *      peak RSS and heap of this process (API and the reading client both run in it).
 *   3. the reconciler (platform/reconcile.ts) over BENCH_RECONCILE real procedures (approval requests started
 *      through the API, default 1,000) with a worker, in a database of their own: time per 1,000.
 *
 *   npx tsx bench/operations.ts
 *   BENCH_PROCEDURES=100000 BENCH_VISIBILITY=10000 BENCH_RECONCILE=1000 BENCH_RUNS=40 BENCH_VISIBILITY_RUNS=10 npx tsx bench/operations.ts
 *   BENCH_ONLY=board,export,reconcile   (any of them)
 */
import './quiet-logs';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createApp } from '../api/app';
import { hashPassword } from '../api/auth';
import { boardGroups } from '../platform/board';
import { createOrm, migrate } from '../platform/orm';
import { ensureDatabase, startEmbeddedPostgres, withDatabase } from '../platform/postgres';
import { reconcile } from '../platform/reconcile';
import { DEMO_PASSWORD, seedDemoData } from '../platform/seed';
import { ensureTemporalCli } from '../platform/temporal-cli';
import { connectClient, startDevServer } from '../platform/temporal';
import { SearchAttr } from '../procedures/kernel/messages';
import { createWorker } from '../worker/worker';
import { BOARD_CASES, rebuildBoard, seedBoard, time } from './board';
import { ASSIGNEES, freePort, mapLimit, post, STARTER } from './load';

const PROCEDURES = Number(process.env.BENCH_PROCEDURES ?? 100_000);
const VISIBILITY = Number(process.env.BENCH_VISIBILITY ?? 10_000);
const VISIBILITY_RUNS = Number(process.env.BENCH_VISIBILITY_RUNS ?? 10);
const RECONCILE = Number(process.env.BENCH_RECONCILE ?? 1_000);
const ONLY = new Set((process.env.BENCH_ONLY ?? 'board,export,reconcile').split(','));
const NAMESPACE = 'default';
const TASK_QUEUE = 'tingjin-bench-ops';
const log = (line: string): void => console.error(`[bench] ${line}`);

type Cleanup = () => Promise<unknown>;

/** The seeded rows' attributes (bench/board.ts seedBoard), for procedure i. */
function rowOf(i: number): { type: string; unit: string; stage: string; open: boolean; overdue: boolean; dueAt: Date } {
  const types = ['rectificationItem', 'approvalRequest', 'cadreSelection', 'politicalExamination', 'redeployment'];
  const stages = ['submit', 'review', 'unitHead', 'leadDepartment', 'inspectionOffice', 'sign'];
  const open = i % 10 < 3;
  return {
    type: types[i % 5] as string,
    unit: `u${i % 20}`,
    stage: stages[i % 6] as string,
    open,
    overdue: open && i % 3 === 0,
    dueAt: new Date(Date.now() + ((i % 120) - 40) * 86_400_000),
  };
}

/** The board's groups computed from visibility: every matching execution listed, grouped in the client. */
async function boardFromVisibility(client: Client, query: string): Promise<{ groups: number; items: number }> {
  const groups = new Map<string, { items: number; overdue: number; oldest: number }>();
  let items = 0;
  for await (const wf of client.workflow.list({ query, pageSize: 1000 })) {
    const sa = wf.typedSearchAttributes;
    const key = `${sa.get(SearchAttr.units)?.[0]}|${sa.get(SearchAttr.stage)}|${sa.get(SearchAttr.procedureType)}`;
    const due = sa.get(SearchAttr.dueAt)?.getTime() ?? Infinity;
    const g = groups.get(key) ?? { items: 0, overdue: 0, oldest: Infinity };
    g.items += 1;
    if (sa.get(SearchAttr.overdue)) g.overdue += 1;
    g.oldest = Math.min(g.oldest, due);
    groups.set(key, g);
    items += 1;
  }
  return { groups: groups.size, items };
}

async function boardAgainstVisibility(orm: MikroORM, client: Client): Promise<void> {
  await seedBoard(orm, PROCEDURES);
  const em = orm.em.fork();
  const board: Record<string, { p50: number; p95: number }> = {};
  for (const [label, f] of BOARD_CASES) board[label] = await time(label, () => boardGroups(em, f));

  // The first VISIBILITY open rows, started as running executions with the rows' search attributes, on a
  // task queue no worker polls: they stay Running, as open procedures do.
  const open: number[] = [];
  for (let i = 1; open.length < VISIBILITY; i++) if (rowOf(i).open) open.push(i);
  const t0 = Date.now();
  await mapLimit(open, 32, async (i) => {
    const r = rowOf(i);
    await client.workflow.start('benchVisibilityRow', {
      taskQueue: `${TASK_QUEUE}-nobody`,
      workflowId: `bench-${i}`,
      typedSearchAttributes: [
        { key: SearchAttr.procedureType, value: r.type },
        { key: SearchAttr.units, value: [r.unit] },
        { key: SearchAttr.stage, value: r.stage },
        { key: SearchAttr.overdue, value: r.overdue },
        { key: SearchAttr.dueAt, value: r.dueAt },
      ],
    });
  });
  log(`started ${open.length} executions with search attributes in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  for (;;) {
    const { count } = await client.workflow.count(`ExecutionStatus = 'Running' AND WorkflowType = 'benchVisibilityRow'`);
    if (count >= open.length) break;
    await new Promise((r) => setTimeout(r, 500));
  }

  // The board's item filter (platform/board.ts itemsSql: flagged overdue, or due before the window's end) on
  // the search attributes. The seed escalates exactly the items it flags overdue, all to the first rung
  // (supervisionNotice), so `TingjinOverdue = true` stands for that rung: visibility has no rung.
  const due = (w: string): string => `ExecutionStatus = 'Running' AND (TingjinOverdue = true OR TingjinDueAt <= '${w}')`;
  const pairs: [string, (windowEnd: string) => string][] = [
    ['board, no filter (3 working days)', (w) => due(w)],
    ['board, overdue only (dueWithin 0)', (w) => due(w)],
    ['board, one unit', (w) => `${due(w)} AND TingjinUnits = 'u1'`],
    ['board, one type and rung', (w) => `${due(w)} AND TingjinProcedureType = 'cadreSelection' AND TingjinOverdue = true`],
  ];
  const rows: Record<string, unknown>[] = [];
  for (const [label, query] of pairs) {
    const filter = BOARD_CASES.find(([l]) => l === label)?.[1] ?? { dueWithin: 3 };
    const { windowEnd } = await boardGroups(em, filter);
    const q = query(new Date(windowEnd).toISOString());
    const sample = await boardFromVisibility(client, q);
    const v = await time(`visibility: ${label}`, () => boardFromVisibility(client, q), VISIBILITY_RUNS);
    const b = board[label] as { p50: number; p95: number };
    const boardItems = (await boardGroups(em, filter)).totals.items;
    rows.push({
      filter: label,
      boardItems,
      boardP50: +b.p50.toFixed(1),
      boardP95: +b.p95.toFixed(1),
      visibilityItems: sample.items,
      visibilityGroups: sample.groups,
      visibilityP50: +v.p50.toFixed(1),
      visibilityP95: +v.p95.toFixed(1),
      ratioP95: +(v.p95 / b.p95).toFixed(1),
      // Per item listed: visibility's cost grows with the executions it lists, and it held fewer than the board.
      ratioP95PerItem: +(v.p95 / Math.max(1, sample.items) / (b.p95 / Math.max(1, boardItems))).toFixed(1),
    });
  }
  console.log(JSON.stringify({ bench: 'board-vs-visibility', procedures: PROCEDURES, tasks: PROCEDURES * 10, visibilityExecutions: open.length, rows }));
}

async function exportAll(orm: MikroORM, client: Client): Promise<void> {
  const conn = orm.em.getConnection();
  if (!ONLY.has('board')) await seedBoard(orm, PROCEDURES);
  // Every procedure open and overdue, with its last task pending: the export's 明细 sheet gets every row.
  await conn.execute('alter table procedure disable trigger user; alter table task disable trigger user');
  await conn.execute(`update procedure set status = 'open', closed_at = null, overdue = true, due_at = now() - (1 + substr(workflow_id, 7)::int % 40) * interval '1 day'`);
  await conn.execute(`update task set status = 'pending', completed_at = null, completed_by = null, action = null where seq = 10 and status <> 'pending'`);
  await rebuildBoard(orm);
  await conn.execute('vacuum analyze procedure');
  await conn.execute('vacuum analyze task');
  await conn.execute(`update app_user set password_hash = ? where id = 'sup'`, [await hashPassword(DEMO_PASSWORD)]);
  const { app } = createApp({ orm, client, taskQueue: TASK_QUEUE, sessionHours: 1 });
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  try {
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const login = await post<{ token: string }>(baseUrl, '/auth/login', { body: { username: 'sup', password: DEMO_PASSWORD } });
    if (login.status !== 200) throw new Error(`login sup: ${login.status} ${JSON.stringify(login.body)}`);
    const items = (await boardGroups(orm.em.fork(), { dueWithin: 0 })).totals.items;
    global.gc?.();
    const before = process.memoryUsage();
    const peak = { rss: before.rss, heapUsed: before.heapUsed };
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peak.rss = Math.max(peak.rss, m.rss);
      peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
    }, 20);
    const t0 = performance.now();
    const res = await fetch(`${baseUrl}/supervision/board/export?dueWithin=0`, { headers: { authorization: `Bearer ${login.body.token}` } });
    if (res.status !== 200 || !res.body) throw new Error(`export: ${res.status} ${await res.text()}`);
    let bytes = 0;
    for await (const chunk of res.body) bytes += (chunk as Uint8Array).byteLength;
    const ms = performance.now() - t0;
    clearInterval(sampler);
    const mb = (n: number): number => Math.round(n / 1048576);
    console.log(
      JSON.stringify({
        bench: 'export',
        rows: items,
        seconds: +(ms / 1000).toFixed(1),
        rowsPerSec: Math.round(items / (ms / 1000)),
        megabytes: +(bytes / 1048576).toFixed(1),
        rssBeforeMb: mb(before.rss),
        rssPeakMb: mb(peak.rss),
        heapBeforeMb: mb(before.heapUsed),
        heapPeakMb: mb(peak.heapUsed),
      }),
    );
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

async function reconcilePerThousand(adminUrl: string, address: string, client: Client, cleanups: Cleanup[]): Promise<void> {
  await ensureDatabase(adminUrl, 'tingjin_reconcile');
  const orm = await createOrm(withDatabase(adminUrl, 'tingjin_reconcile'));
  cleanups.push(() => orm.close());
  await migrate(orm);
  await seedDemoData(orm);
  const connection = await NativeConnection.connect({ address });
  cleanups.push(() => connection.close());
  const worker = await createWorker({ connection, namespace: NAMESPACE, taskQueue: TASK_QUEUE, orm });
  const running = worker.run();
  cleanups.push(async () => {
    worker.shutdown();
    await running;
  });
  const { app } = createApp({ orm, client, taskQueue: TASK_QUEUE, sessionHours: 1 });
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const login = await post<{ token: string }>(baseUrl, '/auth/login', { body: { username: STARTER, password: DEMO_PASSWORD } });
  const t0 = Date.now();
  await mapLimit(
    Array.from({ length: RECONCILE }, (_, i) => i),
    8,
    async (i) => {
      const body = {
        requestId: `bench-reconcile-${i}`,
        title: `bench reconcile #${i}`,
        steps: ASSIGNEES.map((userId, s) => ({ key: `s${s + 1}`, name: `step ${s + 1}`, mode: 'sequential', assignees: { kind: 'user', userId } })),
      };
      const r = await post(baseUrl, '/procedures/approvalRequest', { token: login.body.token, key: `bench-reconcile-${i}`, body });
      if (r.status !== 201) throw new Error(`start ${i}: ${r.status} ${JSON.stringify(r.body)}`);
    },
  );
  log(`started ${RECONCILE} approval requests in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const em = orm.em.fork();
  const runs: { ms: number; checked: number; drift: number }[] = [];
  for (let run = 0; run < 2; run++) {
    const s = performance.now();
    const r = await reconcile(em, client, { log: () => undefined });
    runs.push({ ms: performance.now() - s, checked: r.checked, drift: r.findings.length });
  }
  console.log(
    JSON.stringify({
      bench: 'reconcile',
      openProcedures: RECONCILE,
      runs: runs.map((r) => ({ seconds: +(r.ms / 1000).toFixed(1), checked: r.checked, drift: r.drift, secondsPer1000: +(r.ms / r.checked).toFixed(1) })),
    }),
  );
}

async function main(): Promise<void> {
  const cleanups: Cleanup[] = [];
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tingjin-bench-ops-'));
  // The postgres user (PostgreSQL refuses to run as root) must be able to enter it.
  fs.chmodSync(tmpDir, 0o755);
  console.log(JSON.stringify({ bench: 'machine', cpus: os.cpus().length, model: os.cpus()[0]?.model, memGb: Math.round(os.totalmem() / 2 ** 30), loadavg: os.loadavg().map((l) => +l.toFixed(2)), node: process.version }));
  try {
    const cli = await ensureTemporalCli(log);
    const [temporalPort, pgPort] = [await freePort(), await freePort()];
    const temporal = await startDevServer({ cli, dataDir: path.join(tmpDir, 'temporal'), port: temporalPort, uiPort: null, namespace: NAMESPACE });
    cleanups.push(() => temporal.stop());
    const pg = await startEmbeddedPostgres({ dataDir: path.join(tmpDir, 'pg'), port: pgPort });
    cleanups.push(() => pg.stop());
    const client = await connectClient(temporal.address, NAMESPACE);
    cleanups.push(() => client.connection.close());
    if (ONLY.has('board') || ONLY.has('export')) {
      await ensureDatabase(pg.adminUrl, 'tingjin_board');
      const orm = await createOrm(withDatabase(pg.adminUrl, 'tingjin_board'));
      cleanups.push(() => orm.close());
      await migrate(orm);
      if (ONLY.has('board')) await boardAgainstVisibility(orm, client);
      if (ONLY.has('export')) await exportAll(orm, client);
    }
    if (ONLY.has('reconcile')) await reconcilePerThousand(pg.adminUrl, temporal.address, client, cleanups);
  } finally {
    for (const c of cleanups.reverse()) await c().catch((err: unknown) => log(`cleanup: ${String(err)}`));
    fs.rmSync(tmpDir, { recursive: true, force: true });
    console.log(JSON.stringify({ bench: 'machine-after', loadavg: os.loadavg().map((l) => +l.toFixed(2)) }));
  }
}

main().catch((err) => {
  console.error('[bench] failed:', err);
  process.exit(1);
});
