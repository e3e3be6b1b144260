/**
 * The supervision board (督查看板, issue 13) as queries: open work that is overdue or due soon, across
 * every procedure type, grouped in PostgreSQL by unit × stage × type. Used by the API
 * (api/routes/supervision.ts) and the operator CLI (scripts/ops.ts).
 *
 * The groups come from the pre-aggregates that triggers keep in the projection's own transactions
 * (Migration20261209000000_board_rollup): whole due days summed from board_rollup, the two days a
 * threshold falls in (today, for what is overdue; the window's end) item by item from board_item. A
 * caller whose scope does not cover every unit on the board gets the same answer from the projection's
 * rows (Migration20261204100000_supervision has their indexes): the rollups count items per unit, and
 * such a scope is per item.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { OverrideCalendar } from '../domain/calendar';
import { ESCALATION_RUNGS } from '../procedures/kernel/deadline';
import { chinaDateOf } from '../domain/dates';
import { dueWindowEnd, workingDaysOverdue } from '../domain/reports';
import { loadOverrides } from './calendar-store';

/** The ladder's rungs, and `none` for work that is not on it (yet). */
export const BOARD_RUNGS = ['none', ...ESCALATION_RUNGS] as const;
export type BoardRung = (typeof BOARD_RUNGS)[number];

export interface BoardFilter {
  unit?: string;
  type?: string;
  rung?: BoardRung;
  /** Work due within this many working days from today; overdue work is always in. */
  dueWithin: number;
  watched?: boolean;
  /**
   * What the caller may see: an SQL condition on the procedure row aliased `p`, with its bindings
   * (api/authz.ts procedureScopeSql). Absent: everything.
   */
  scope?: { sql: string; params: readonly unknown[] };
  /** Whose scope `scope` is: one that covers every unit on the board reads the pre-aggregates. */
  scopeUserId?: string;
}

export interface BoardGroup {
  unitId: string;
  type: string;
  stage: string;
  /** Items in the group; overdue ones among them. */
  items: number;
  overdue: number;
  watched: number;
  rungs: Record<BoardRung, number>;
  /** The highest rung any item of the group has reached. */
  highestRung: BoardRung;
  oldest: { workflowId: string; title: string; dueAt: string; daysOverdue: number };
  /** Everyone holding a pending task of the group's items, up to 50. */
  assigneeIds: string[];
  assigneeCount: number;
}

export interface BoardItem {
  workflowId: string;
  type: string;
  title: string;
  stage: string;
  unitIds: string[];
  dueAt: Date;
  rung: BoardRung;
  /** The oldest pending task: what an urge (催办) names. */
  taskId: string;
}

const MAX_ASSIGNEES = 50;

/**
 * The items under a filter, as a CTE over `?` bindings: open, with pending work, due (its earliest open
 * deadline) before the window's end or flagged overdue. One definition for the board, its export and the bulk urge, so a bulk action
 * reaches exactly what the board showed.
 */
function itemsSql(f: BoardFilter, now: Date, windowEnd: Date, source: 'projection' | 'boardItem' = 'projection'): { sql: string; params: unknown[] } {
  const params: unknown[] = [now.toISOString(), windowEnd.toISOString()];
  const where: string[] = [];
  const rung = source === 'boardItem' ? 'p.rung' : `coalesce(p.escalation->>'rung', 'none')`;
  if (f.type !== undefined) {
    where.push('p.type = ?');
    params.push(f.type);
  }
  if (f.rung !== undefined) {
    where.push(`${rung} = ?`);
    params.push(f.rung);
  }
  if (f.unit !== undefined) {
    where.push('p.unit_ids @> array[?]::text[]');
    params.push(f.unit);
  }
  if (f.scope) {
    where.push(f.scope.sql);
    params.push(...f.scope.params);
  }
  if (f.watched !== undefined) where.push(`${f.watched ? '' : 'not '}exists (select 1 from supervision_watch w where w.workflow_id = p.workflow_id)`);
  if (source === 'boardItem') {
    // board_item holds every open item with pending work and its earliest open deadline, kept by the projection's
    // triggers in the same transaction (Migration20261209000000_board_rollup and after); the scope filter reads
    // the columns it shares with procedure (workflow_id, unit_ids, started_by).
    const sql = `
      select p.workflow_id, p.type, p.stage, p.title, p.unit_ids, p.due_at, p.rung,
             (p.overdue or p.due_at <= ?::timestamptz) as is_overdue,
             exists (select 1 from supervision_watch w where w.workflow_id = p.workflow_id) as watched
        from board_item p
       where (p.overdue or p.due_at <= ?::timestamptz)
         ${where.map((w) => `and ${w}`).join(' ')}`;
    return { sql, params };
  }
  // The due date is the earliest open deadline (procedure_open_due, Migration20261212000000_board_open_deadline,
  // as board_item_expected): a political examination's strands carry theirs, its row none. Only the board's
  // types (board_type, Migration20261213000000_board_types), as board_item_expected.
  const sql = `
    select p.workflow_id, p.type, p.stage, p.title, p.unit_ids, d.due_at,
           coalesce(p.escalation->>'rung', 'none') as rung,
           (p.overdue or d.due_at <= ?::timestamptz) as is_overdue,
           exists (select 1 from supervision_watch w where w.workflow_id = p.workflow_id) as watched
      from procedure p cross join lateral (select procedure_open_due(p.workflow_id, p.due_at) as due_at) d
     where p.status = 'open' and d.due_at is not null and p.type in (select type from board_type)
       and (p.overdue or d.due_at <= ?::timestamptz)
       and exists (select 1 from task t where t.workflow_id = p.workflow_id and t.status = 'pending')
       ${where.map((w) => `and ${w}`).join(' ')}`;
  return { sql, params };
}

/**
 * Runs the board's statements with PostgreSQL's JIT off, in a read-only transaction. Plans are not
 * cached here, so JIT compiles at every execution, and the scope filter's OR'd subplans inflate the cost
 * estimate past jit_optimize_above_cost: on the bench, a supervisor's board took 2.6 s with JIT and
 * 0.34 s without, for a query that runs in about 0.1 s.
 */
export async function withoutJit<T>(em: EntityManager, fn: (tx: EntityManager) => Promise<T>): Promise<T> {
  return em.transactional(async (tx) => {
    await tx.execute('set transaction read only');
    await tx.execute('set local jit = off');
    return fn(tx);
  });
}

const RUNG_RANK = `case rung when 'supervisionNotice' then 1 when 'warning' then 2 when 'accountability' then 3 else 0 end`;

interface GroupRow {
  unit_id: string;
  type: string;
  stage: string;
  items: number;
  overdue: number;
  watched: number;
  r_none: number;
  r_notice: number;
  r_warning: number;
  r_accountability: number;
  top_rung: number;
  oldest_due_at: Date;
  oldest_workflow_id: string;
  oldest_title: string;
  assignee_ids: string[] | null;
}

/** The window's end and the calendar, or CalendarNotCoveredError when today's window leaves the known years. */
export async function boardClock(em: EntityManager, now: Date, dueWithin: number): Promise<{ overrides: OverrideCalendar; windowEnd: Date }> {
  const overrides = await loadOverrides(em);
  return { overrides, windowEnd: dueWindowEnd(now, dueWithin, overrides) };
}

/** A piece of SQL with its `?` bindings; values interpolated in a `sql` template become bindings, pieces nest. */
interface Sql {
  sql: string;
  params: unknown[];
}
const isSql = (v: unknown): v is Sql => typeof v === 'object' && v !== null && 'sql' in v && 'params' in v;
function sql(strings: TemplateStringsArray, ...values: unknown[]): Sql {
  let text = strings[0] ?? '';
  const params: unknown[] = [];
  values.forEach((v, i) => {
    if (isSql(v)) {
      text += v.sql;
      params.push(...v.params);
    } else {
      text += '?';
      params.push(v);
    }
    text += strings[i + 1] ?? '';
  });
  return { sql: text, params };
}
const EMPTY: Sql = { sql: '', params: [] };
/** SQL text without bindings, for names and keywords inside a `sql` template. */
const raw = (text: string): Sql => ({ sql: text, params: [] });

/** The filter's conditions on a row with the item's type, rung and watched columns, aliased `a`. */
function dimsSql(f: BoardFilter, a: string): Sql {
  const parts: Sql[] = [];
  if (f.type !== undefined) parts.push(sql`${raw(` and ${a}.type = `)}${f.type}`);
  if (f.rung !== undefined) parts.push(sql`${raw(` and ${a}.rung = `)}${f.rung}`);
  if (f.watched !== undefined) parts.push(sql`${raw(` and ${a}.watched = `)}${f.watched}`);
  return { sql: parts.map((p) => p.sql).join(''), params: parts.flatMap((p) => p.params) };
}

/**
 * Whether the pre-aggregates answer this filter: no scope, or a scope over every unit of every item on
 * the board (an organization department's supervisor sees the whole city). Such a scope lets in every item
 * with a unit, so only the items without one, which are in no group, still need the scope's test.
 */
async function rollupServes(tx: EntityManager, f: BoardFilter): Promise<boolean> {
  if (!f.scope) return true;
  if (f.scopeUserId === undefined) return false;
  const [row] = await tx.execute<{ covers: boolean }[]>(
    `select not exists (select 1 from board_rollup r where r.unit_id <> '' and r.unit_id <> all(array(select user_scope_units(?)))) as covers`,
    [f.scopeUserId],
  );
  return row?.covers === true;
}

/** The board's groups and totals from the pre-aggregates; the same rows as groupsFromRowsSql. */
function groupsFromRollupSql(f: BoardFilter, now: Date, windowEnd: Date): Sql {
  const today = chinaDateOf(now);
  const endDay = chinaDateOf(windowEnd);
  const nowIso = now.toISOString();
  const endIso = windowEnd.toISOString();
  const scoped = f.scope !== undefined;
  const unit = f.unit;
  // A whole day other than those two is before now or not, before the window's end or not.
  const rolledWhere = (a: string): Sql =>
    sql`${raw(`${a}.due_day not in (`)}${today}::date, ${endDay}::date) and (${raw(`${a}.due_day < `)}${endDay}::date or ${raw(`${a}.overdue`)})${dimsSql(f, a)}`;
  const unitOf = (col: string): Sql => (unit !== undefined ? sql`${raw(` and ${col} = `)}${unit}` : EMPTY);
  return sql`
    with rolled as (
      select r.unit_id, r.type, r.stage, r.rung, r.watched, r.has_units, r.due_day, r.items, (r.due_day < ${today}::date or r.overdue) as is_overdue
        from board_rollup r
       where ${rolledWhere('r')} ${unit !== undefined ? sql` and r.unit_id in ('', ${unit})` : EMPTY}
    ),
    -- The items due on the days of the two thresholds, one by one.
    edge as (
      select b.workflow_id, b.type, b.stage, b.unit_ids, b.due_day, b.rung, b.watched, b.assignee_ids, (b.overdue or b.due_at <= ${nowIso}::timestamptz) as is_overdue
        from board_item b
       where b.due_day in (${today}::date, ${endDay}::date) and (b.overdue or b.due_at <= ${endIso}::timestamptz)${dimsSql(f, 'b')}
         ${unit !== undefined ? sql` and b.unit_ids @> array[${unit}]::text[]` : EMPTY}${raw(scoped ? ` and b.unit_ids <> '{}'` : '')}
    ),
    per_unit as (
      select unit_id, type, stage, rung, watched, is_overdue, due_day, items from rolled where unit_id <> ''
      union all
      select u.unit_id, e.type, e.stage, e.rung, e.watched, e.is_overdue, e.due_day, 1
        from edge e cross join lateral unnest(e.unit_ids) as u(unit_id) where true${unitOf('u.unit_id')}
    ),
    groups as (
      select unit_id, type, stage, sum(items)::int as items,
             coalesce(sum(items) filter (where is_overdue), 0)::int as overdue,
             coalesce(sum(items) filter (where watched), 0)::int as watched,
             coalesce(sum(items) filter (where rung = 'none'), 0)::int as r_none,
             coalesce(sum(items) filter (where rung = 'supervisionNotice'), 0)::int as r_notice,
             coalesce(sum(items) filter (where rung = 'warning'), 0)::int as r_warning,
             coalesce(sum(items) filter (where rung = 'accountability'), 0)::int as r_accountability,
             max(${raw(RUNG_RANK)})::int as top_rung,
             min(due_day) as first_day
        from per_unit group by unit_id, type, stage
    ),
    assignees as (
      select unit_id, type, stage, array_agg(distinct assignee_id order by assignee_id) as assignee_ids from (
        select a.unit_id, a.type, a.stage, a.assignee_id from board_rollup_assignee a where ${rolledWhere('a')}${unitOf('a.unit_id')}
        union all
        select u.unit_id, e.type, e.stage, x.assignee_id
          from edge e cross join lateral unnest(e.unit_ids) as u(unit_id) cross join lateral unnest(e.assignee_ids) as x(assignee_id) where true${unitOf('u.unit_id')}
      ) s group by unit_id, type, stage
    ),
    -- An item of several units is in several groups; the totals count it once (unit '' rows).
    totals as (
      select coalesce(sum(items), 0)::int as total_items, coalesce(sum(items) filter (where is_overdue), 0)::int as total_overdue from (
        select items, is_overdue from rolled where unit_id = ${unit ?? ''}${raw(scoped ? ' and has_units' : '')}
        union all
        select 1, is_overdue from edge
        ${
          scoped && f.scope
            ? sql`union all
        select 1, (p.overdue or p.due_at <= ${nowIso}::timestamptz) from board_item p
         where p.unit_ids = '{}' and (p.overdue or p.due_at <= ${endIso}::timestamptz)${dimsSql(f, 'p')} and ${{ sql: f.scope.sql, params: [...f.scope.params] }}`
            : EMPTY
        }
      ) t
    )
    select t.total_items, t.total_overdue, g.unit_id, g.type, g.stage, g.items, g.overdue, g.watched, g.r_none, g.r_notice, g.r_warning, g.r_accountability, g.top_rung,
           g.assignee_ids, g.oldest_due_at, g.oldest_workflow_id, g.oldest_title
      from totals t left join (
        select g.*, a.assignee_ids, o.due_at as oldest_due_at, o.workflow_id as oldest_workflow_id, o.title as oldest_title
          from groups g
          left join assignees a on a.unit_id = g.unit_id and a.type = g.type and a.stage = g.stage
          -- The group's oldest item: the first of its first day (it has one there, in the window).
          left join lateral (
            select b.workflow_id, b.title, b.due_at from board_item b
             where b.due_at >= ((g.first_day::timestamp - interval '8 hours') at time zone 'UTC')
               and b.due_at < (((g.first_day + 1)::timestamp - interval '8 hours') at time zone 'UTC')
               and b.type = g.type and b.stage = g.stage and b.unit_ids @> array[g.unit_id]
               and (b.overdue or b.due_at <= ${endIso}::timestamptz)${dimsSql(f, 'b')}
             order by b.due_at, b.workflow_id limit 1
          ) o on true
      ) g on true
     order by g.oldest_due_at, g.unit_id, g.type, g.stage`;
}

/** The board's groups and totals from the projection's rows (procedure, task, supervision_watch). */
function groupsFromRowsSql(f: BoardFilter, now: Date, windowEnd: Date): Sql {
  const items = itemsSql(f, now, windowEnd);
  const unitParams: unknown[] = f.unit !== undefined ? [f.unit] : [];
  const unitWhere = f.unit !== undefined ? 'where u.unit_id = ?' : '';
  const text = `
    with items as (${items.sql}),
    per_unit as (
      select u.unit_id, i.* from items i cross join lateral unnest(i.unit_ids) as u(unit_id) ${unitWhere}
    ),
    groups as (
      select unit_id, type, stage, count(*)::int as items,
             count(*) filter (where is_overdue)::int as overdue,
             count(*) filter (where watched)::int as watched,
             count(*) filter (where rung = 'none')::int as r_none,
             count(*) filter (where rung = 'supervisionNotice')::int as r_notice,
             count(*) filter (where rung = 'warning')::int as r_warning,
             count(*) filter (where rung = 'accountability')::int as r_accountability,
             max(${RUNG_RANK})::int as top_rung,
             min(due_at) as oldest_due_at,
             (array_agg(workflow_id order by due_at, workflow_id))[1] as oldest_workflow_id,
             (array_agg(title order by due_at, workflow_id))[1] as oldest_title
        from per_unit group by unit_id, type, stage
    ),
    assignees as (
      select pu.unit_id, pu.type, pu.stage, array_agg(distinct a order by a) as assignee_ids
        from per_unit pu
        join task t on t.workflow_id = pu.workflow_id and t.status = 'pending'
        cross join lateral unnest(t.assignee_ids) as a
       group by pu.unit_id, pu.type, pu.stage
    ),
    -- An item of several units is in several groups; the totals count it once. One row even without groups.
    totals as (select count(*)::int as total_items, count(*) filter (where is_overdue)::int as total_overdue from items)
    select t.total_items, t.total_overdue, ga.*
      from totals t left join (select g.*, a.assignee_ids from groups g left join assignees a using (unit_id, type, stage)) ga on true
     order by ga.oldest_due_at, ga.unit_id, ga.type, ga.stage`;
  return { sql: text, params: [...items.params, ...unitParams] };
}

export async function boardGroups(
  em: EntityManager,
  f: BoardFilter,
  now = new Date(),
  /** Tests: `rows` answers from the projection's rows even where the pre-aggregates would. */
  source: 'auto' | 'rows' = 'auto',
): Promise<{ asOf: string; windowEnd: string; totals: { items: number; overdue: number }; groups: BoardGroup[] }> {
  const { overrides, windowEnd } = await boardClock(em, now, f.dueWithin);
  const all = await withoutJit(em, async (tx) => {
    const rollup = source === 'auto' && (await rollupServes(tx, f));
    // Each group's oldest item is the first of its first day in the (type, stage, due_at) index, found by an
    // ordered scan that stops there. Estimating a handful of rows, the planner chose a bitmap scan and a sort
    // of the whole day instead (291 rows per group on the bench, a third of the query's time), and without
    // bitmaps a sequential scan of board_item for the two threshold days. Every table here is read by an
    // index, so neither is needed: the whole board went from about 240 to 90 ms (EXPLAIN ANALYZE, load 10).
    if (rollup) await tx.execute('set local enable_bitmapscan = off; set local enable_seqscan = off');
    const q = rollup ? groupsFromRollupSql(f, now, windowEnd) : groupsFromRowsSql(f, now, windowEnd);
    return tx.execute<(GroupRow & { total_items: number; total_overdue: number })[]>(q.sql, q.params);
  });
  const totals = { items: all[0]?.total_items ?? 0, overdue: all[0]?.total_overdue ?? 0 };
  const rows = all.filter((r) => r.unit_id !== null);
  const groups = rows.map((r): BoardGroup => {
    const ids = r.assignee_ids ?? [];
    const due = new Date(r.oldest_due_at);
    return {
      unitId: r.unit_id,
      type: r.type,
      stage: r.stage,
      items: r.items,
      overdue: r.overdue,
      watched: r.watched,
      rungs: { none: r.r_none, supervisionNotice: r.r_notice, warning: r.r_warning, accountability: r.r_accountability },
      highestRung: BOARD_RUNGS[r.top_rung] ?? 'none',
      oldest: { workflowId: r.oldest_workflow_id, title: r.oldest_title, dueAt: due.toISOString(), daysOverdue: workingDaysOverdue(due, now, overrides) },
      assigneeIds: ids.slice(0, MAX_ASSIGNEES),
      assigneeCount: ids.length,
    };
  });
  return { asOf: now.toISOString(), windowEnd: windowEnd.toISOString(), totals, groups };
}

/** The items under a filter, oldest due first, with the oldest pending task of each; at most `limit`. */
export async function boardItems(
  em: EntityManager,
  f: BoardFilter,
  limit: number,
  now = new Date(),
  /** Keyset paging (an export): the items after this one. */
  after?: { dueAt: Date; workflowId: string },
  /** Tests: `projection` computes the items from the projection's rows, the oracle board_item is held to. */
  source: 'boardItem' | 'projection' = 'boardItem',
): Promise<BoardItem[]> {
  const { windowEnd } = await boardClock(em, now, f.dueWithin);
  // From board_item: computing every open procedure's earliest open deadline from the projection made a page of
  // 2,000 items ten times slower (78 to 730 ms on bench/board.ts). The groups' 'rows' path keeps reading the
  // projection, as the oracle the board's tests hold the pre-aggregates and board_item to.
  const items = itemsSql(f, now, windowEnd, source);
  // Ordered and paged by the due time in milliseconds, the precision the cursor comes back in (a JavaScript
  // Date): compared at PostgreSQL's microseconds, every item of a later microsecond in the cursor's
  // millisecond came again on the next page, and an export of more than a page of such items never ended.
  const due = `date_trunc('milliseconds', i.due_at)`;
  const sql = `
    with items as (${items.sql})
    select i.*, (select t.id from task t where t.workflow_id = i.workflow_id and t.status = 'pending' order by t.opened_at, t.seq limit 1) as task_id
      from items i ${after ? `where (${due}, i.workflow_id) > (?::timestamptz, ?)` : ''} order by ${due}, i.workflow_id limit ?`;
  const rows = await withoutJit(em, (tx) =>
    tx.execute<{ workflow_id: string; type: string; title: string; stage: string; unit_ids: string[]; due_at: Date; rung: BoardRung; task_id: string }[]>(sql, [
      ...items.params,
      ...(after ? [after.dueAt.toISOString(), after.workflowId] : []),
      limit,
    ]),
  );
  return rows.map((r) => ({ workflowId: r.workflow_id, type: r.type, title: r.title, stage: r.stage, unitIds: r.unit_ids, dueAt: new Date(r.due_at), rung: r.rung, taskId: r.task_id }));
}

