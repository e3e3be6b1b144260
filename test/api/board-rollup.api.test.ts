/**
 * The board's pre-aggregates (Migration20261209000000_board_rollup): every projection write, through the
 * workflows and by SQL, keeps them equal to a recomputation, and the board they give equals the board
 * from the projection's rows for every filter, at instants on both sides of the day thresholds; the
 * reconciler finds drift made in them by SQL, recomputes them, records and counts the repair.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { addDays, chinaDateOf, startOfChinaDay } from '../../domain/dates';
import { procedureScopeSql } from '../../api/authz';
import { boardGroups, boardItems, type BoardFilter } from '../../platform/board';
import { reconcile } from '../../platform/reconcile';
import { newKey, useApiStack } from '../helpers/api';
import { uniqueId } from '../helpers/env';
import { dueInWorkingDays, setDue, startItem } from '../helpers/supervision';

const stack = useApiStack();

const driftOf = async (em: EntityManager): Promise<Record<string, number>> =>
  Object.fromEntries((await em.execute<{ kind: string; rows: string }[]>('select kind, rows from board_drift()')).map((r) => [r.kind, Number(r.rows)]));
const NO_DRIFT = { board_item: 0, board_rollup: 0, board_rollup_assignee: 0 };

test('the pre-aggregates follow every projection write, and give the board the rows give, for every filter and instant', async () => {
  const em = stack.t.orm.em.fork();
  const conn = em.getConnection();
  const now = new Date();
  const today = chinaDateOf(now);
  // Items on both sides of the thresholds: overdue for days, due earlier today and later today (on the day
  // now falls in), due tomorrow, due exactly at the end of a 1-day window (its day is the window end's).
  const [old, earlier, later, tomorrow, atEnd, two] = await Promise.all(
    ['jyj', 'wjw', 'jyj', 'wjw', 'jyj', 'wjw'].map((unit) => startItem(stack.h, uniqueId('fb'), unit)),
  );
  // Through the workflows: a reassignment (new assignees; its write sets the row as the workflow has it,
  // so the deadlines below come after it) and the watch list.
  const sup = await stack.h.login('dc-supervisor');
  const [task] = await conn.execute<{ id: string }[]>(`select id from task where workflow_id = ? and status = 'pending'`, [old]);
  const moved = await stack.h.call('POST', `/supervision/tasks/${task?.id}/reassign`, { token: sup, key: newKey(), body: { targetUserId: 'jyj-head', reason: '原经办人调离' } });
  expect(moved.status).toBe(200);
  await setDue(stack.t, old as string, dueInWorkingDays(-3), { overdue: true, rung: 'warning' });
  await setDue(stack.t, earlier as string, new Date(now.getTime() - 60_000), { overdue: false });
  await setDue(stack.t, later as string, new Date(Math.min(now.getTime() + 60_000, new Date(startOfChinaDay(addDays(today, 1))).getTime() - 1)), { overdue: false });
  await setDue(stack.t, tomorrow as string, new Date(new Date(startOfChinaDay(addDays(today, 1))).getTime() + 3_600_000), { overdue: false, rung: 'supervisionNotice' });
  await setDue(stack.t, atEnd as string, dueInWorkingDays(1), { overdue: false });
  await setDue(stack.t, two as string, dueInWorkingDays(-1), { overdue: true, rung: 'accountability' });
  // An item of two units, and one of none: the totals count each once.
  await conn.execute(`update procedure set unit_ids = '{wjw,jyj}' where workflow_id = ?`, [two]);
  await conn.execute(`update procedure set unit_ids = '{}' where workflow_id = ?`, [tomorrow]);

  expect((await stack.h.call('PUT', `/supervision/watch/${earlier}`, { token: sup, key: newKey(), body: {} })).status).toBe(200);
  expect((await stack.h.call('PUT', `/supervision/watch/${later}`, { token: sup, key: newKey(), body: {} })).status).toBe(200);
  expect((await stack.h.call('DELETE', `/supervision/watch/${later}`, { token: sup, key: newKey() })).status).toBe(200);
  expect(await driftOf(em)).toEqual(NO_DRIFT);
  const [item] = await conn.execute(`select assignee_ids, watched, rung from board_item where workflow_id = ?`, [old]);
  expect(item).toEqual({ assignee_ids: ['jyj-head'], watched: false, rung: 'warning' });

  const filters: BoardFilter[] = [
    { dueWithin: 0 },
    { dueWithin: 1 },
    { dueWithin: 5 },
    { dueWithin: 1, unit: 'jyj' },
    { dueWithin: 1, unit: 'wjw', rung: 'accountability' },
    { dueWithin: 5, type: 'rectificationItem', watched: true },
    { dueWithin: 5, watched: false },
    { dueWithin: 5, rung: 'none' },
    { dueWithin: 5, scope: procedureScopeSql({ id: 'dc-supervisor' }), scopeUserId: 'dc-supervisor' },
  ];
  const compare = async (at: Date): Promise<void> => {
    for (const f of filters) {
      const rows = await boardGroups(em, f, at, 'rows');
      expect({ f, board: await boardGroups(em, f, at) }).toEqual({ f, board: rows });
      // The items (the export's pages, the bulk urge) come from board_item: the same as the projection gives.
      const items = await boardItems(em, f, 1_000, at, undefined, 'projection');
      expect({ f, items: await boardItems(em, f, 1_000, at) }).toEqual({ f, items });
    }
  };
  await compare(now);
  // Later the same day (both same-day items are overdue), and tomorrow.
  await compare(new Date(new Date(startOfChinaDay(addDays(today, 1))).getTime() - 1));
  await compare(new Date(new Date(startOfChinaDay(addDays(today, 1))).getTime() + 7_200_000));
  const whole = await boardGroups(em, { dueWithin: 5 }, now);
  expect(whole.totals.items).toBe(6);
  expect(whole.groups.reduce((n, g) => n + g.items, 0)).toBe(6); // two units for one item, none for another

  // Closing, a task done, a procedure's rows deleted: out of the board, and still no drift.
  await conn.execute(`update procedure set status = 'closed' where workflow_id = ?`, [atEnd]);
  await conn.execute(`update task set status = 'done' where workflow_id = ?`, [earlier]);
  await conn.execute(`delete from task where workflow_id = ?`, [later]);
  expect(await driftOf(em)).toEqual(NO_DRIFT);
  expect((await boardGroups(em, { dueWithin: 5 }, now)).totals.items).toBe(3);
  await compare(now);
});

test('the reconciler finds drift in the pre-aggregates, recomputes them, and records and counts the repair', async () => {
  const em = stack.t.orm.em.fork();
  const conn = em.getConnection();
  const wf = await startItem(stack.h, uniqueId('fb'), 'jyj');
  await setDue(stack.t, wf, dueInWorkingDays(-2), { overdue: true });
  expect(await driftOf(em)).toEqual(NO_DRIFT);

  // The rollups are views over base rows and pending deltas (Migration20261210000000_board_rollup_deltas):
  // a delta that adds 2 to each of jyj's keys, and one that takes away every jyj assignee.
  await conn.execute(`insert into board_rollup_delta select unit_id, type, stage, rung, overdue, watched, due_day, has_units, 2 from board_rollup where unit_id = 'jyj'`);
  await conn.execute(
    `insert into board_rollup_assignee_delta select unit_id, type, stage, rung, overdue, watched, due_day, assignee_id, -items from board_rollup_assignee where unit_id = 'jyj'`,
  );
  await conn.execute(`update board_item set title = 'tampered' where workflow_id = ?`, [wf]);
  const seen = await reconcile(em, stack.t.env.client, { repair: false });
  expect(seen.drift.board).toBe(1);
  expect(seen.findings).toContainEqual({ workflowId: '', kind: 'board', projection: { board_item: 2, board_rollup: expect.any(Number), board_rollup_assignee: expect.any(Number) }, workflow: null });
  expect(await driftOf(em)).not.toEqual(NO_DRIFT);

  const metrics = async (): Promise<number> => {
    const r = await stack.h.call('GET', '/metrics', { token: await stack.h.login('dc-supervisor') });
    return Number(/^tingjin_reconcile_repairs_total\{kind="board"\} (\d+)$/m.exec(String(r.body))?.[1] ?? 0);
  };
  expect(await metrics()).toBe(0);
  const lines: string[] = [];
  const fixed = await reconcile(em, stack.t.env.client, { log: (l) => lines.push(l) });
  expect(fixed.repairedByKind.board).toBe(1);
  expect(lines.filter((l) => l.includes('rebuilt the board'))).toHaveLength(1);
  expect(await driftOf(em)).toEqual(NO_DRIFT);
  const now = new Date();
  expect(await boardGroups(em, { dueWithin: 3 }, now)).toEqual(await boardGroups(em, { dueWithin: 3 }, now, 'rows'));
  expect(await conn.execute(`select kind, actor_id from supervision_action where kind = 'boardRebuilt'`)).toEqual([{ kind: 'boardRebuilt', actor_id: 'reconciler' }]);
  expect(await metrics()).toBe(1);
  expect((await reconcile(em, stack.t.env.client)).findings.filter((f) => f.kind === 'board')).toEqual([]);
});

/** One procedure's action in one statement, as the projection writes it: its task closed and another opened, its stage and due day moved across. */
const CROSS = `
with closed as (
  update task set status = 'done', completed_at = now(), completed_by = 'test', action = 'approve' where workflow_id = $1 and status = 'pending' returning 1),
opened as (
  insert into task (id, workflow_id, procedure_type, step, seq, round, assignee_ids, status, opened_at, due_at)
  select workflow_id || ':' || $2::int, workflow_id, type, stage, $2::int, 1, array['u' || ($2::int % 3)], 'pending', now(), due_at from procedure where workflow_id = $1),
moved as (
  update procedure set stage = case when stage = 'submit' then 'review' else 'submit' end,
         due_at = case when due_at = $3::timestamptz then $4::timestamptz else $3::timestamptz end, projected_seq = $2::int
   where workflow_id = $1)
select 1`;

// Last in the file: its procedures exist only in the projection, which the reconciler above would report.
test('concurrent writes crossing each other on the shared board rows neither deadlock nor leave drift', async () => {
  const em = stack.t.orm.em.fork();
  const conn = em.getConnection();
  const prefix = uniqueId('cross');
  const [dayA, dayB] = [2, 3].map((d) => new Date(Date.now() + d * 86_400_000).toISOString()) as [string, string];
  const ITEMS = 32;
  const MOVERS = 8;
  // One type, one unit, two stages and two due days: every item shares its board rows with the others, and
  // half move from day A to B while the other half move from B to A.
  await conn.execute(
    `insert into procedure (workflow_id, type, title, unit_ids, status, stage, overdue, due_at, started_by, started_at, updated_at, projected_seq)
     select ? || '-' || i, 'rectificationItem', 't', '{jyj}', 'open', case when i % 2 = 0 then 'submit' else 'review' end, false,
            case when i % 2 = 0 then ?::timestamptz else ?::timestamptz end, 'test', now(), now(), 1
       from generate_series(0, ${ITEMS - 1}) as i`,
    [prefix, dayA, dayB],
  );
  await conn.execute(
    `insert into task (id, workflow_id, procedure_type, step, seq, round, assignee_ids, status, opened_at, due_at)
     select workflow_id || ':1', workflow_id, type, stage, 1, 1, '{u0}', 'pending', now(), due_at from procedure where workflow_id like ? || '-%'`,
    [prefix],
  );
  const clients = Array.from({ length: MOVERS + 2 }, () => new Client({ connectionString: stack.t.databaseUrl }));
  await Promise.all(clients.map((c) => c.connect()));
  try {
    await Promise.all(
      clients.map(async (c, k) => {
        if (k >= MOVERS) {
          // A fan-out's 250 children in one statement, over both units and both days.
          await c.query(
            `with ids as (select $1 || '-f' || i as id, i from generate_series(0, 249) as i),
             p as (insert into procedure (workflow_id, type, title, unit_ids, status, stage, overdue, due_at, started_by, started_at, updated_at, projected_seq)
                   select id, 'rectificationItem', 'child', case when i % 2 = 0 then '{jyj}'::text[] else '{wjw}'::text[] end, 'open', 'submit', false,
                          case when (i + $4::int) % 2 = 0 then $2::timestamptz else $3::timestamptz end, 'test', now(), now(), 0 from ids),
             t as (insert into task (id, workflow_id, procedure_type, step, seq, round, assignee_ids, status, opened_at, due_at)
                   select id || ':1', id, 'rectificationItem', 'submit', 1, 1, '{u1}', 'pending', now(), $2::timestamptz from ids)
             select 1`,
            [`${prefix}-${k}`, dayA, dayB, k],
          );
          return;
        }
        for (let round = 2; round < 8; round++) {
          for (let i = k; i < ITEMS; i += MOVERS) await c.query(CROSS, [`${prefix}-${i}`, round, dayA, dayB]);
        }
      }),
    );
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
  expect(await driftOf(em)).toEqual(NO_DRIFT);
  const now = new Date();
  expect(await boardGroups(em, { dueWithin: 10 }, now)).toEqual(await boardGroups(em, { dueWithin: 10 }, now, 'rows'));
  // Compacted, the deltas are gone into the base rows and the rollups read the same.
  await conn.execute('select board_compact()');
  expect(await conn.execute(`select (select count(*) from board_rollup_delta)::int as d, (select count(*) from board_rollup_assignee_delta)::int as a`)).toEqual([{ d: 0, a: 0 }]);
  expect(await driftOf(em)).toEqual(NO_DRIFT);
  expect(await boardGroups(em, { dueWithin: 10 }, now)).toEqual(await boardGroups(em, { dueWithin: 10 }, now, 'rows'));
});

/** The delta rows pending in both rollups. */
const deltaRows = async (em: EntityManager): Promise<number> =>
  ((await em.getConnection().execute<{ n: number }[]>(`select (select count(*) from board_rollup_delta)::int + (select count(*) from board_rollup_assignee_delta)::int as n`))[0] as { n: number }).n;

// After the reconciler's test, as the one above: its procedures exist only in the projection.
test('a 250-item fan-out statement, its tasks upserted and its items crossing days keep the rollups exact, a delta row per key', async () => {
  const em = stack.t.orm.em.fork();
  const conn = em.getConnection();
  const prefix = uniqueId('stmt');
  const [dayA, dayB] = [2, 3].map((d) => new Date(Date.now() + d * 86_400_000).toISOString()) as [string, string];
  // No compaction in between (one comes every 256th item change): the deltas pending are the statements' own.
  await conn.execute('select board_compact()');
  await conn.execute(`select setval('board_compact_turn', 1)`);
  expect(await deltaRows(em)).toBe(0);

  // A fan-out's opening as procedures/kernel/fanout.ts writes it: 250 children and their first tasks in one
  // statement, over two units (i % 2), two days (i / 2 % 2) and three assignees (i % 3).
  await conn.execute(
    `with ids as (select ? || '-' || i as id, i from generate_series(0, 249) as i),
     p as (insert into procedure (workflow_id, type, title, unit_ids, status, stage, overdue, due_at, started_by, started_at, updated_at, projected_seq)
           select id, 'rectificationItem', 'child', array[case when i % 2 = 0 then 'jyj' else 'wjw' end], 'open', 'submit', false,
                  case when i / 2 % 2 = 0 then ?::timestamptz else ?::timestamptz end, 'test', now(), now(), 1 from ids),
     -- Each first task due with its item, as the kernel opens them (the board's due date is the earliest open one).
     t as (insert into task (id, workflow_id, procedure_type, step, seq, round, assignee_ids, status, opened_at, due_at)
           select id || ':1', id, 'rectificationItem', 'submit', 1, 1, array['u' || (i % 3)], 'pending', now(),
                  case when i / 2 % 2 = 0 then ?::timestamptz else ?::timestamptz end from ids)
     select 1`,
    [prefix, dayA, dayB, dayA, dayB],
  );
  expect(await driftOf(em)).toEqual(NO_DRIFT);
  // Totals: '' and each unit on each day (2 + 4); assignees: each unit, day and assignee (12). Per row, 750.
  expect(await deltaRows(em)).toBe(18);

  // As the projection's write does (activities/projection.ts): in one statement, the tasks upserted (the
  // first closed through ON CONFLICT DO UPDATE, a second opened with another assignee) and the procedures
  // upserted, every jyj item crossing to the other day (A -> B and B -> A) and the wjw ones staying.
  await conn.execute(
    `with ids as (select ? || '-' || i as id, i from generate_series(0, 249) as i),
     t as (insert into task (id, workflow_id, procedure_type, step, seq, round, assignee_ids, status, opened_at, due_at)
           select id || ':' || s, id, 'rectificationItem', 'review', s, 1, array['u' || ((i + s) % 3)], case when s = 1 then 'done' else 'pending' end, now(), null
             from ids cross join generate_series(1, 2) as s where i % 4 <> 3
           on conflict (id) do update set status = excluded.status where task.status = 'pending'),
     p as (insert into procedure (workflow_id, type, title, unit_ids, status, stage, overdue, due_at, started_by, started_at, updated_at, projected_seq)
           select id, 'rectificationItem', 'child', array[case when i % 2 = 0 then 'jyj' else 'wjw' end], 'open', 'review', false,
                  case when (i / 2 % 2 = 0) = (i % 2 = 0) then ?::timestamptz else ?::timestamptz end, 'test', now(), now(), 2 from ids
           on conflict (workflow_id) do update set stage = excluded.stage, due_at = excluded.due_at, projected_seq = excluded.projected_seq
           where procedure.projected_seq < excluded.projected_seq)
     select 1`,
    [prefix, dayB, dayA],
  );
  expect(await driftOf(em)).toEqual(NO_DRIFT);
  // Crossing alone, one statement: the 125 jyj items swap days (62 A -> B, 63 B -> A), their -1s and +1s meeting
  // in a delta row per key: totals '' and jyj on each day, nets +-1 (4 rows), and at most 6 of the assignees.
  await conn.execute('select board_compact()');
  await conn.execute(`select setval('board_compact_turn', 1)`);
  await conn.execute(
    `update procedure set due_at = case when due_at = ?::timestamptz then ?::timestamptz else ?::timestamptz end where workflow_id like ? || '-%' and unit_ids = '{jyj}'`,
    [dayA, dayB, dayA, prefix],
  );
  expect(await driftOf(em)).toEqual(NO_DRIFT);
  expect(await deltaRows(em)).toBeGreaterThanOrEqual(4);
  expect(await deltaRows(em)).toBeLessThanOrEqual(10);
  // Tasks handed over and closed by SQL, in one statement each, and the items' rows deleted.
  await conn.execute(`update task set assignee_ids = array['u9'] where workflow_id like ? || '-%' and status = 'pending' and seq = 2`, [prefix]);
  await conn.execute(`update task set status = 'done' where workflow_id like ? || '-%' and workflow_id ~ '[05]$'`, [prefix]);
  expect(await driftOf(em)).toEqual(NO_DRIFT);
  const now = new Date();
  expect(await boardGroups(em, { dueWithin: 10 }, now)).toEqual(await boardGroups(em, { dueWithin: 10 }, now, 'rows'));
  await conn.execute(`delete from task where workflow_id like ? || '-%'`, [prefix]);
  await conn.execute(`delete from procedure where workflow_id like ? || '-%'`, [prefix]);
  expect(await driftOf(em)).toEqual(NO_DRIFT);
  expect(await conn.execute(`select count(*)::int as n from board_item where workflow_id like ? || '-%'`, [prefix])).toEqual([{ n: 0 }]);
});
