/**
 * The supervision board's latency at scale (issue 13): seeds 100,000 procedures and 1,000,000 task rows
 * by SQL (synthetic rows in the same tables, not through workflows) into a fresh database, then times the
 * board's grouping query (platform/board.ts) with and without filters and prints p50/p95.
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/board.ts
 *   npx tsx bench/board.ts      (an embedded PostgreSQL of its own, removed at the end)
 *
 * The URL names a server and a database to connect to first; the bench creates tingjin_bench_<time>
 * next to it and drops it at the end. Run it on a quiet machine: the figures are wall-clock.
 */
import './quiet-logs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as Pg } from 'pg';
import { procedureScopeSql } from '../api/authz';
import { boardGroups, boardItems, type BoardFilter } from '../platform/board';
import type { MikroORM } from '@mikro-orm/postgresql';
import { createOrm, migrate } from '../platform/orm';
import { startEmbeddedPostgres } from '../platform/postgres';
import { freePort } from './load';

const PROCEDURES = Number(process.env.BENCH_PROCEDURES ?? 100_000);
const TASKS_PER_PROCEDURE = 10;
const RUNS = Number(process.env.BENCH_RUNS ?? 40);

/** The filters timed, as a supervisor sets them on the board. */
export const BOARD_CASES: [string, BoardFilter][] = [
  ['board, no filter (3 working days)', { dueWithin: 3 }],
  ['board, overdue only (dueWithin 0)', { dueWithin: 0 }],
  ['board, one unit', { dueWithin: 3, unit: 'u1' }],
  ['board, one type and rung', { dueWithin: 3, type: 'cadreSelection', rung: 'supervisionNotice' }],
  ['board, due in 20 working days', { dueWithin: 20 }],
];

export function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

export async function time(label: string, fn: () => Promise<unknown>, runs = RUNS): Promise<{ p50: number; p95: number }> {
  await fn(); // warm-up: plans and caches
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ms.sort((a, b) => a - b);
  const out = { p50: pct(ms, 50), p95: pct(ms, 95) };
  console.log(`${label.padEnd(48)} p50 ${out.p50.toFixed(1)} ms  p95 ${out.p95.toFixed(1)} ms  (${runs} runs)`);
  return out;
}

/**
 * The synthetic rows, in the same tables as the projection writes them: `procedures` procedures (5 types, 20
 * units, 6 stages; 30% open, a third of those overdue and escalated; due from 40 days ago to 80
 * ahead) with 10 task rows each, the units, and a supervisor `sup`. bench/operations.ts seeds through it too.
 */
export async function seedBoard(orm: MikroORM, procedures: number): Promise<void> {
  const conn = orm.em.getConnection();
  const t0 = Date.now();
  // The board's pre-aggregates are computed once at the end (board_rebuild) instead of by their triggers
  // row by row, which a million task rows would make the slowest part of the seed.
  await conn.execute('alter table procedure disable trigger user; alter table task disable trigger user');
  // 5 types, 20 units, 6 stages; 30% open, a third of those overdue and escalated, all to the first rung
  // (an escalated i is a multiple of 3, so its index 1 + i % 3 is always 1);
  // due dates from 40 days ago to 80 days ahead.
  await conn.execute(`
    insert into procedure (workflow_id, type, parent_workflow_id, title, unit_ids, status, stage, overdue, due_at, started_by, started_at, closed_at, result, escalation, updated_at)
    select 'bench-' || i,
           (array['rectificationItem','approvalRequest','cadreSelection','politicalExamination','redeployment'])[1 + i % 5],
           null, '事项 ' || i, array['u' || (i % 20)],
           case when i % 10 < 3 then 'open' else 'closed' end,
           (array['submit','review','unitHead','leadDepartment','inspectionOffice','sign'])[1 + i % 6],
           i % 10 < 3 and i % 3 = 0,
           now() + ((i % 120) - 40) * interval '1 day',
           'zzb-staff', now() - interval '200 days', case when i % 10 < 3 then null else now() - interval '1 day' end, null,
           case when i % 10 < 3 and i % 3 = 0 then jsonb_build_object('rung', (array['supervisionNotice','warning','accountability'])[1 + i % 3], 'at', now()) end,
           now()
      from generate_series(1, ${procedures}) as i`);
  await conn.execute(`
    insert into task (id, workflow_id, procedure_type, step, seq, round, assignee_ids, status, opened_at, due_at, completed_at, completed_by, action)
    select p.workflow_id || ':' || j, p.workflow_id, p.type, p.stage, j, 1, array['user' || (j % 50)],
           case when p.status = 'open' and j = ${TASKS_PER_PROCEDURE} then 'pending' else 'done' end,
           now() - (20 - j) * interval '1 day', p.due_at,
           case when p.status = 'open' and j = ${TASKS_PER_PROCEDURE} then null else now() - (19 - j) * interval '1 day' end,
           case when p.status = 'open' and j = ${TASKS_PER_PROCEDURE} then null else 'user' || (j % 50) end,
           case when p.status = 'open' and j = ${TASKS_PER_PROCEDURE} then null else 'approve' end
      from procedure p cross join generate_series(1, ${TASKS_PER_PROCEDURE}) as j`);
  // A city with the department and the 20 units under it, and a supervisor of the department: the
  // board as a supervisor sees it, through the scope filter (api/authz.ts).
  await conn.execute(`
    insert into unit (id, name, kind, head_user_id, parent_id) values ('city', '市', 'city', null, null), ('zzb', '组织部', 'department', null, 'city');
    insert into unit (id, name, kind, head_user_id, parent_id) select 'u' || i, '单位 ' || i, 'unit', null, 'city' from generate_series(0, 19) as i;
    insert into app_user (id, username, display_name, unit_id, roles, password_hash) values ('sup', 'sup', '督查', 'zzb', '{supervisor}', 'x');`);
  await rebuildBoard(orm);
  // As autovacuum leaves a table in production: statistics, and the visibility map that index-only scans need.
  await conn.execute('vacuum analyze procedure');
  await conn.execute('vacuum analyze task');
  console.log(`seeded ${procedures} procedures and ${procedures * TASKS_PER_PROCEDURE} tasks in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** Turns the board's triggers on again and computes its pre-aggregates from the rows, after a bulk write. */
export async function rebuildBoard(orm: MikroORM): Promise<void> {
  const conn = orm.em.getConnection();
  await conn.execute('alter table procedure enable trigger user; alter table task enable trigger user');
  await conn.execute('select board_rebuild()');
  // The rollups are views over these (Migration20261210000000_board_rollup_deltas); the deltas are empty after a rebuild.
  for (const table of ['board_item', 'board_rollup_base', 'board_rollup_assignee_base']) await conn.execute(`vacuum analyze ${table}`);
}

async function main(): Promise<void> {
  // Without BENCH_DATABASE_URL, an embedded PostgreSQL in a temporary directory, removed at the end.
  let embedded: { stop(): Promise<void>; dir: string } | undefined;
  let base = process.env.BENCH_DATABASE_URL;
  if (!base) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tingjin-bench-board-'));
    fs.chmodSync(dir, 0o755); // the postgres user (PostgreSQL refuses to run as root) must be able to enter it
    const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort() });
    embedded = { stop: () => pg.stop(), dir };
    base = pg.adminUrl;
  }
  console.log(JSON.stringify({ bench: 'machine', loadavg: os.loadavg().map((l) => +l.toFixed(2)) }));
  const name = `tingjin_bench_${Date.now()}`;
  const admin = new Pg({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const orm = await createOrm(url.toString());
  try {
    await migrate(orm);
    await seedBoard(orm, PROCEDURES);

    const em = orm.em.fork();
    const supervisor: BoardFilter = { dueWithin: 3, scope: procedureScopeSql({ id: 'sup' }), scopeUserId: 'sup' };
    for (const [label, f] of BOARD_CASES) await time(label, () => boardGroups(em, f));
    await time('board, a supervisor through the scope filter', () => boardGroups(em, supervisor));
    // BENCH_ROWS=1: the same boards from the projection's rows (what the pre-aggregates replace), same data and load.
    if (process.env.BENCH_ROWS) {
      for (const [label, f] of [...BOARD_CASES, ['board, a supervisor through the scope filter', supervisor] as [string, BoardFilter]]) {
        await time(`${label} (rows)`, () => boardGroups(em, f, new Date(), 'rows'));
      }
    }
    await time('items page of 2,000 (bulk urge, export)', () => boardItems(em, { dueWithin: 3 }, 2000));
    // The reconciler's check of the pre-aggregates (platform/reconcile.ts reconcileBoard): a recomputation of
    // the whole board compared with them, once per run, whatever the number of open procedures it queries.
    await time('board_drift() (the reconciler, once per run)', () => em.execute('select * from board_drift()'), Math.min(RUNS, 10));
    // The board with a compaction's worth of pending deltas (board_compact runs every 256 delta batches):
    // 120 procedures' moves, each a delta taken from one key and one added to another.
    const conn = em.getConnection();
    await conn.execute(`update procedure set stage = case when stage = 'submit' then 'review' else 'submit' end
                         where workflow_id in (select workflow_id from board_item order by workflow_id limit 120)`);
    const [pending] = await conn.execute<{ n: number }[]>('select count(*)::int as n from board_rollup_delta');
    await time(`board, no filter, ${pending?.n ?? 0} pending deltas`, () => boardGroups(em, { dueWithin: 3 }));
    const t0 = process.hrtime.bigint();
    await conn.execute('select board_compact()');
    console.log(`${'board_compact() of those deltas'.padEnd(48)} ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1)} ms (one run)`);
  } finally {
    await orm.close();
    // BENCH_KEEP=1 keeps the database to look at the plans (explain analyze) afterwards.
    if (process.env.BENCH_KEEP) console.log(`kept database ${name}`);
    else await admin.query(`drop database if exists ${name}`);
    await admin.end();
    if (embedded) {
      await embedded.stop();
      fs.rmSync(embedded.dir, { recursive: true, force: true });
    }
    console.log(JSON.stringify({ bench: 'machine-after', loadavg: os.loadavg().map((l) => +l.toFixed(2)) }));
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error('[bench] failed:', err);
    process.exit(1);
  });
}
