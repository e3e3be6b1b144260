/**
 * The supervision board (督查看板, issue 13) as queries: open work that is overdue or due soon, across
 * every procedure type, grouped in PostgreSQL by unit × stage × type (Migration20261204100000_supervision
 * has the indexes). Used by the API (api/routes/supervision.ts) and the operator CLI (scripts/ops.ts).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { OverrideCalendar } from '../domain/calendar';
import { ESCALATION_RUNGS } from '../procedures/kernel/deadline';
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
 * The items under a filter, as a CTE over `?` bindings: open, with pending work, due before the window's
 * end or flagged overdue. One definition for the board, its export and the bulk urge, so a bulk action
 * reaches exactly what the board showed.
 */
function itemsSql(f: BoardFilter, now: Date, windowEnd: Date): { sql: string; params: unknown[] } {
  const params: unknown[] = [now.toISOString(), windowEnd.toISOString()];
  const where: string[] = [];
  if (f.type !== undefined) {
    where.push('p.type = ?');
    params.push(f.type);
  }
  if (f.rung !== undefined) {
    where.push(`coalesce(p.escalation->>'rung', 'none') = ?`);
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
  const sql = `
    select p.workflow_id, p.type, p.stage, p.title, p.unit_ids, p.due_at,
           coalesce(p.escalation->>'rung', 'none') as rung,
           (p.overdue or p.due_at <= ?::timestamptz) as is_overdue,
           exists (select 1 from supervision_watch w where w.workflow_id = p.workflow_id) as watched
      from procedure p
     where p.status = 'open' and p.due_at is not null
       and (p.overdue or p.due_at <= ?::timestamptz)
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

export async function boardGroups(em: EntityManager, f: BoardFilter, now = new Date()): Promise<{ asOf: string; windowEnd: string; totals: { items: number; overdue: number }; groups: BoardGroup[] }> {
  const { overrides, windowEnd } = await boardClock(em, now, f.dueWithin);
  const items = itemsSql(f, now, windowEnd);
  const unitParams: unknown[] = f.unit !== undefined ? [f.unit] : [];
  const unitWhere = f.unit !== undefined ? 'where u.unit_id = ?' : '';
  const sql = `
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
  const all = await withoutJit(em, (tx) => tx.execute<(GroupRow & { total_items: number; total_overdue: number })[]>(sql, [...items.params, ...unitParams]));
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
): Promise<BoardItem[]> {
  const { windowEnd } = await boardClock(em, now, f.dueWithin);
  const items = itemsSql(f, now, windowEnd);
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

