/**
 * The board's triggers under concurrency (issue 13): N clients write projection-shaped transactions at once
 * over items that share their board keys (one type, a few units, two due days), with the board's triggers
 * on and off, on an embedded PostgreSQL of its own (removed at the end). It prints, per mode:
 *   - throughput (transactions committed a second),
 *   - lock waits: backends of the bench waiting on a lock, sampled every 20 ms (mean, max, share of samples
 *     with any), and the waits on a row or transaction lock (what a hot rollup row makes),
 *   - deadlocks: pg_stat_database.deadlocks over the run, and the 40P01 errors the clients saw (retried),
 *   - with the triggers on, board_drift() afterwards (must be empty).
 *
 * The transactions, each one statement as the projection writes them (activities/projection.ts):
 *   - move: one procedure's action. Its pending task is closed and another opened (new assignee), its stage
 *     changes, and its due day crosses to the other day (A -> B or B -> A): concurrent moves cross each other.
 *     Each client owns its procedures, as a workflow's writes are its own.
 *   - fanout: BENCH_FANOUT_SIZE (250) new procedures with a pending task each in one statement, as a batch's
 *     children are opened, spread over the same units and days.
 *
 *   npx tsx bench/board-contention.ts
 *   BENCH_CLIENTS=16 BENCH_FANOUT=2 BENCH_SECONDS=15 BENCH_PROCEDURES=2000 BENCH_MODES=on,off npx tsx bench/board-contention.ts
 *
 * Short by default (2 × 15 s); the machine's load is printed at the start and the end, as the figures follow it.
 */
import './quiet-logs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as Pg, Pool } from 'pg';
import { createOrm, migrate } from '../platform/orm';
import { ensureDatabase, startEmbeddedPostgres, withDatabase } from '../platform/postgres';
import { freePort } from './load';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
const FANOUT = Number(process.env.BENCH_FANOUT ?? 2);
const FANOUT_SIZE = Number(process.env.BENCH_FANOUT_SIZE ?? 250);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const PROCEDURES = Number(process.env.BENCH_PROCEDURES ?? 2_000);
const UNITS = 4;
const MODES = (process.env.BENCH_MODES ?? 'on,off').split(',');
const log = (line: string): void => console.error(`[bench] ${line}`);

/** Two due days, tomorrow and the day after (China time, noon), which the moves swap between. */
const DAY_A = "date_trunc('day', now() + interval '1 day') + interval '4 hours'";
const DAY_B = "date_trunc('day', now() + interval '2 days') + interval '4 hours'";

async function seed(pg: Pg): Promise<void> {
  // One type, UNITS units, two stages, two days: few board keys, shared by every item.
  await pg.query(`
    insert into procedure (workflow_id, type, parent_workflow_id, title, unit_ids, status, stage, overdue, due_at, started_by, started_at, closed_at, result, escalation, updated_at, projected_seq)
    select 'c-' || i, 'rectificationItem', null, '事项 ' || i, array['u' || (i % ${UNITS})], 'open',
           case when i % 2 = 0 then 'submit' else 'review' end, false,
           case when i % 2 = 0 then ${DAY_A} else ${DAY_B} end, 'zzb-staff', now(), null, null, null, now(), 1
      from generate_series(0, ${PROCEDURES - 1}) as i`);
  await pg.query(`
    insert into task (id, workflow_id, procedure_type, step, seq, round, assignee_ids, status, opened_at, due_at, completed_at, completed_by, action)
    select workflow_id || ':1', workflow_id, type, stage, 1, 1, array['user' || (substr(workflow_id, 3)::int % 7)], 'pending', now(), due_at, null, null, null
      from procedure where workflow_id like 'c-%'`);
}

/** One procedure's action, in one statement: task closed, task opened, stage and due day moved across. */
const MOVE = `
with p as (select workflow_id, type, stage, due_at from procedure where workflow_id = $1),
closed as (
  update task t set status = 'done', completed_at = now(), completed_by = 'bench', action = 'approve'
   where t.workflow_id = $1 and t.status = 'pending' returning t.seq),
opened as (
  insert into task (id, workflow_id, procedure_type, step, seq, round, assignee_ids, status, opened_at, due_at, completed_at, completed_by, action)
  select p.workflow_id || ':' || $2::int, p.workflow_id, p.type, p.stage, $2::int, 1, array['user' || ($2::int % 7)], 'pending', now(), p.due_at, null, null, null from p),
moved as (
  update procedure q set stage = case when q.stage = 'submit' then 'review' else 'submit' end,
         due_at = case when q.due_at = ${DAY_A} then ${DAY_B} else ${DAY_A} end, updated_at = now(), projected_seq = $2::int
   where q.workflow_id = $1)
select 1`;

/** A fan-out's children opened in one statement, over the same units, stages and days, in no particular order. */
const FAN = `
with ids as (select $1 || '-' || i as workflow_id, i from generate_series(0, $2::int - 1) as i),
procs as (
  insert into procedure (workflow_id, type, parent_workflow_id, title, unit_ids, status, stage, overdue, due_at, started_by, started_at, closed_at, result, escalation, updated_at, projected_seq)
  select workflow_id, 'rectificationItem', null, 'child', array['u' || ((i * 7 + $3::int) % ${UNITS})], 'open',
         case when (i + $3::int) % 2 = 0 then 'submit' else 'review' end, false,
         case when (i * 3 + $3::int) % 2 = 0 then ${DAY_A} else ${DAY_B} end, 'zzb-staff', now(), null, null, null, now(), 0
    from ids),
tasks as (
  insert into task (id, workflow_id, procedure_type, step, seq, round, assignee_ids, status, opened_at, due_at, completed_at, completed_by, action)
  select workflow_id || ':1', workflow_id, 'rectificationItem', 'submit', 1, 1, array['user' || (i % 7)], 'pending', now(), ${DAY_A}, null, null, null from ids)
select 1`;

interface RunResult {
  mode: string;
  seconds: number;
  moves: number;
  fanouts: number;
  txPerSec: number;
  rowsPerSec: number;
  deadlocksDb: number;
  deadlockErrors: number;
  lockWaitMean: number;
  lockWaitMax: number;
  lockWaitShare: number;
  rowLockWaitMean: number;
  drift: Record<string, number> | null;
}

/** Each procedure's last seq, across the runs: its task ids go on from there. */
const seqs = new Map<number, number>();

async function run(url: string, mode: string): Promise<RunResult> {
  const admin = new Pg({ connectionString: url });
  admin.on('error', () => undefined);
  await admin.connect();
  await admin.query(`alter table procedure ${mode === 'off' ? 'disable' : 'enable'} trigger user; alter table task ${mode === 'off' ? 'disable' : 'enable'} trigger user`);
  const [{ deadlocks: before }] = (await admin.query<{ deadlocks: string }>('select deadlocks from pg_stat_database where datname = current_database()')).rows as [{ deadlocks: string }];
  const pool = new Pool({ connectionString: url, max: CLIENTS, application_name: 'bench-contention' });
  // An idle client's connection ended by the server's shutdown is no error of the run.
  pool.on('error', () => undefined);
  const stopAt = Date.now() + SECONDS * 1000;
  let moves = 0;
  let fanouts = 0;
  let deadlockErrors = 0;
  const samples: { all: number; row: number }[] = [];
  const sampler = (async () => {
    while (Date.now() < stopAt) {
      const { rows } = await admin.query<{ all: number; row: number }>(
        `select count(*)::int as all, count(*) filter (where wait_event in ('transactionid', 'tuple'))::int as row
           from pg_stat_activity where application_name = 'bench-contention' and wait_event_type = 'Lock'`,
      );
      samples.push(rows[0] as { all: number; row: number });
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  /** Whether the write committed; a deadlock victim is rolled back whole, and retried as the projection's activity would be. */
  const retrying = async (q: string, params: unknown[]): Promise<boolean> => {
    while (Date.now() < stopAt) {
      try {
        await pool.query(q, params);
        return true;
      } catch (err) {
        if ((err as { code?: string }).code !== '40P01') throw err;
        deadlockErrors += 1;
      }
    }
    return false;
  };
  const movers = CLIENTS - FANOUT;
  const clients = Array.from({ length: CLIENTS }, async (_, c) => {
    if (c < movers) {
      // This client's procedures: every movers-th one from c.
      const own = Array.from({ length: Math.ceil((PROCEDURES - c) / movers) }, (_, k) => c + k * movers);
      for (let k = 0; Date.now() < stopAt; k++) {
        const i = own[k % own.length] as number;
        const seq = (seqs.get(i) ?? 1) + 1;
        seqs.set(i, seq);
        if (await retrying(MOVE, [`c-${i}`, seq])) moves += 1;
      }
    } else {
      for (let k = 0; Date.now() < stopAt; k++) {
        if (await retrying(FAN, [`f-${mode}-${c}-${k}`, FANOUT_SIZE, k])) fanouts += 1;
      }
    }
  });
  const t0 = performance.now();
  await Promise.all(clients);
  const seconds = (performance.now() - t0) / 1000;
  await sampler;
  await pool.end();
  const [{ deadlocks: after }] = (await admin.query<{ deadlocks: string }>('select deadlocks from pg_stat_database where datname = current_database()')).rows as [{ deadlocks: string }];
  let drift: Record<string, number> | null = null;
  if (mode === 'on') {
    const { rows } = await admin.query<{ kind: string; rows: string }>('select kind, rows from board_drift()');
    drift = Object.fromEntries(rows.map((r) => [r.kind, Number(r.rows)]));
  }
  // The fan-outs' children go, so each run starts from the same rows; by SQL with the triggers off (each
  // procedure's refresh takes an advisory lock, too many for one statement), then the board recomputed.
  await admin.query(`alter table procedure disable trigger user; alter table task disable trigger user;
    delete from task where workflow_id like 'f-%'; delete from procedure where workflow_id like 'f-%';
    alter table procedure enable trigger user; alter table task enable trigger user; select board_rebuild()`);
  await admin.end();
  const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const r2 = (n: number): number => Math.round(n * 100) / 100;
  return {
    mode,
    seconds: r2(seconds),
    moves,
    fanouts,
    txPerSec: r2((moves + fanouts) / seconds),
    rowsPerSec: Math.round((moves + fanouts * FANOUT_SIZE) / seconds),
    deadlocksDb: Number(after) - Number(before),
    deadlockErrors,
    lockWaitMean: r2(mean(samples.map((s) => s.all))),
    lockWaitMax: Math.max(0, ...samples.map((s) => s.all)),
    lockWaitShare: r2(samples.filter((s) => s.all > 0).length / Math.max(1, samples.length)),
    rowLockWaitMean: r2(mean(samples.map((s) => s.row))),
    drift,
  };
}

async function main(): Promise<void> {
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tingjin-bench-contention-'));
  // The postgres user (PostgreSQL refuses to run as root) must be able to enter it.
  fs.chmodSync(tmpDir, 0o755);
  console.log(JSON.stringify({ bench: 'machine', cpus: os.cpus().length, loadavg: os.loadavg().map((l) => +l.toFixed(2)), node: process.version }));
  const pg = await startEmbeddedPostgres({ dataDir: path.join(tmpDir, 'pg'), port: await freePort(), log: process.env.BENCH_PG_LOG ? log : undefined });
  try {
    await ensureDatabase(pg.adminUrl, 'tingjin_contention');
    const url = withDatabase(pg.adminUrl, 'tingjin_contention');
    const orm = await createOrm(url);
    await migrate(orm);
    await orm.close();
    const admin = new Pg({ connectionString: url });
    await admin.connect();
    await seed(admin);
    await admin.query('vacuum analyze');
    await admin.end();
    log(`seeded ${PROCEDURES} procedures; ${CLIENTS} clients (${FANOUT} fan-outs of ${FANOUT_SIZE}), ${SECONDS} s per mode`);
    for (const mode of MODES) console.log(JSON.stringify({ bench: 'board-contention', clients: CLIENTS, fanoutClients: FANOUT, fanoutSize: FANOUT_SIZE, procedures: PROCEDURES, ...(await run(url, mode)) }));
  } finally {
    await pg.stop();
    fs.rmSync(tmpDir, { recursive: true, force: true });
    console.log(JSON.stringify({ bench: 'machine-after', loadavg: os.loadavg().map((l) => +l.toFixed(2)) }));
  }
}

main().catch((err) => {
  console.error('[bench] failed:', err);
  process.exit(1);
});
