/**
 * Supervision reports (issue 13) per period and per unit across procedure types, and a rectification
 * feedback's report per problem and per unit. Counted in PostgreSQL; working days per stage through a
 * working-day index of the calendar (domain/reports.ts) that the query joins on.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { COVERED_YEARS, type OverrideCalendar } from '../domain/calendar';
import { chinaDateOf } from '../domain/dates';
import { workingDayIndex, type Period } from '../domain/reports';
import { ESCALATION_RUNGS, type EscalationRungName } from '../procedures/kernel/deadline';
import { reportIdPrefix, type ItemResult, type RectificationSummary } from '../procedures/rectification/messages';
import { summarize } from '../procedures/rectification/rules';
import { loadOverrides } from './calendar-store';

export interface StageFigures {
  stage: string;
  /** Tasks of the stage completed in the period. */
  tasks: number;
  avgWorkingDays: number | null;
  p90WorkingDays: number | null;
}

export interface UnitTypeReport {
  unitId: string;
  type: string;
  started: number;
  closed: number;
  /** Closed with every deadline met (metDeadlinesSql), of those closed with one; null when none had one. */
  onTime: number;
  due: number;
  onTimeRate: number | null;
  /** Returns (退回) over the life of the procedures closed in the period, and per such procedure. */
  returns: number;
  returnsPerItem: number | null;
  escalations: Record<EscalationRungName, number>;
  stages: StageFigures[];
}

export interface PeriodReport {
  period: { kind: string; label: string; from: string; to: string };
  rows: UnitTypeReport[];
}

const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * Whether a procedure (aliased `a`) had a deadline, and met every one: the row's own due date and each
 * task's. The board's due date is the earliest open deadline (procedure_open_due,
 * Migration20261212000000_board_open_deadline), so a procedure is on time when none of its deadlines passed
 * while the work it bounds was open: it closed by the row's due date, and no task was done (or still open
 * at the close) after its own. A political examination's deadlines are its strands' and its feedback's; its
 * row has none.
 */
export const hadDeadlineSql = (a: string): string =>
  `(${a}.due_at is not null or exists (select 1 from task t where t.workflow_id = ${a}.workflow_id and t.due_at is not null))`;
export const metDeadlinesSql = (a: string): string =>
  `((${a}.due_at is null or ${a}.closed_at <= ${a}.due_at)
    and not exists (select 1 from task t where t.workflow_id = ${a}.workflow_id and t.due_at < coalesce(t.completed_at, ${a}.closed_at)))`;

/** The first day the calendar knows: working days before it cannot be counted. */
function firstCoveredDay(overrides: OverrideCalendar): string {
  const years = [...COVERED_YEARS, ...overrides.years];
  return `${Math.min(...years)}-01-01`;
}

export async function periodReport(
  em: EntityManager,
  period: Period,
  /** scope: what the caller may see, an SQL condition on the procedure aliased `p` (api/authz.ts procedureScopeSql). */
  f: { unit?: string; type?: string; scope?: { sql: string; params: readonly unknown[] } } = {},
): Promise<PeriodReport> {
  const conn = em.getConnection();
  const cond = (alias: string): { sql: string; params: unknown[] } => {
    const parts: string[] = [];
    const params: unknown[] = [];
    if (f.type) {
      parts.push(`${alias}.type = ?`);
      params.push(f.type);
    }
    if (f.scope) {
      parts.push(f.scope.sql);
      params.push(...f.scope.params);
    }
    return { sql: parts.map((p) => ` and ${p}`).join(''), params };
  };
  const unitCond = f.unit ? { sql: ' and u = ?', params: [f.unit] } : { sql: '', params: [] as unknown[] };
  const range = [period.fromInstant.toISOString(), period.toInstant.toISOString()];
  const c = cond('p');

  const counts = await conn.execute<{ u: string; type: string; started: number; closed: number; on_time: number; due: number; returns: number }[]>(
    `select u, p.type,
            count(*) filter (where p.started_at >= ? and p.started_at < ?)::int as started,
            count(*) filter (where p.closed_at >= ? and p.closed_at < ?)::int as closed,
            count(*) filter (where p.closed_at >= ? and p.closed_at < ? and ${hadDeadlineSql('p')} and ${metDeadlinesSql('p')})::int as on_time,
            count(*) filter (where p.closed_at >= ? and p.closed_at < ? and ${hadDeadlineSql('p')})::int as due,
            coalesce(sum((select count(*) from action_log l where l.workflow_id = p.workflow_id and l.action = 'return'))
              filter (where p.closed_at >= ? and p.closed_at < ?), 0)::int as returns
       from procedure p cross join lateral unnest(p.unit_ids) as u
      where ((p.started_at >= ? and p.started_at < ?) or (p.closed_at >= ? and p.closed_at < ?))${c.sql}${unitCond.sql}
      group by u, p.type`,
    [...range, ...range, ...range, ...range, ...range, ...range, ...range, ...c.params, ...unitCond.params],
  );

  const escalations = await conn.execute<{ u: string; type: string; rung: string; n: number }[]>(
    `select u, p.type, l.data->>'rung' as rung, count(*)::int as n
       from action_log l join procedure p on p.workflow_id = l.workflow_id cross join lateral unnest(p.unit_ids) as u
      where l.action = 'escalate' and l.at >= ? and l.at < ?${c.sql}${unitCond.sql}
      group by u, p.type, l.data->>'rung'`,
    [...range, ...c.params, ...unitCond.params],
  );

  // Working days per stage: completed tasks of the period, each measured on the calendar's index.
  const overrides = await loadOverrides(em);
  const [bounds] = await conn.execute<{ first: Date | null }[]>(
    `select min(t.opened_at) as first from task t where t.completed_at >= ? and t.completed_at < ? and t.action not in ('cancelled', 'withdrawn', 'absent')`,
    range,
  );
  let stages: { u: string; type: string; step: string; tasks: number; avg: number | null; p90: number | null }[] = [];
  if (bounds?.first) {
    const firstKnown = firstCoveredDay(overrides);
    const from = [chinaDateOf(new Date(bounds.first)), firstKnown].sort().at(-1) as string;
    const to = chinaDateOf(new Date(period.toInstant.getTime() - 1));
    const idx = workingDayIndex(from, to, overrides);
    stages = await conn.execute(
      `with wd as (select d::date as d, n from unnest(?::date[], ?::int[]) as x(d, n))
       select u, t.procedure_type as type, t.step, count(*)::int as tasks,
              avg(c.n - o.n)::float as avg,
              percentile_cont(0.9) within group (order by c.n - o.n)::float as p90
         from task t
         join procedure p on p.workflow_id = t.workflow_id
         cross join lateral unnest(p.unit_ids) as u
         join wd o on o.d = (t.opened_at at time zone 'Asia/Shanghai')::date
         join wd c on c.d = (t.completed_at at time zone 'Asia/Shanghai')::date
        where t.completed_at >= ? and t.completed_at < ? and t.action not in ('cancelled', 'withdrawn', 'absent')${c.sql}${unitCond.sql}
        group by u, t.procedure_type, t.step`,
      [`{${idx.dates.join(',')}}`, `{${idx.index.join(',')}}`, ...range, ...c.params, ...unitCond.params],
    );
  }

  const rows = new Map<string, UnitTypeReport>();
  const rowOf = (unitId: string, type: string): UnitTypeReport => {
    const k = `${unitId}\u0000${type}`;
    let r = rows.get(k);
    if (!r) {
      r = {
        unitId,
        type,
        started: 0,
        closed: 0,
        onTime: 0,
        due: 0,
        onTimeRate: null,
        returns: 0,
        returnsPerItem: null,
        escalations: Object.fromEntries(ESCALATION_RUNGS.map((x) => [x, 0])) as Record<EscalationRungName, number>,
        stages: [],
      };
      rows.set(k, r);
    }
    return r;
  };
  for (const x of counts) {
    const r = rowOf(x.u, x.type);
    Object.assign(r, { started: x.started, closed: x.closed, onTime: x.on_time, due: x.due, returns: x.returns });
    r.onTimeRate = x.due ? round(x.on_time / x.due, 4) : null;
    r.returnsPerItem = x.closed ? round(x.returns / x.closed) : null;
  }
  for (const x of escalations) {
    const r = rowOf(x.u, x.type);
    if (x.rung && x.rung in r.escalations) r.escalations[x.rung as EscalationRungName] = x.n;
  }
  for (const x of stages) {
    rowOf(x.u, x.type).stages.push({ stage: x.step, tasks: x.tasks, avgWorkingDays: x.avg === null ? null : round(x.avg), p90WorkingDays: x.p90 === null ? null : round(x.p90) });
  }
  const out = [...rows.values()].sort((a, b) => a.unitId.localeCompare(b.unitId) || a.type.localeCompare(b.type));
  for (const r of out) r.stages.sort((a, b) => a.stage.localeCompare(b.stage));
  return { period: { kind: period.kind, label: period.label, from: period.from, to: period.to }, rows: out };
}

export interface FeedbackPart {
  key: string;
  items: number;
  open: number;
  overdue: number;
  returns: number;
  escalations: Record<EscalationRungName, number>;
  /** Of the ended items, by the rectification's own rules (procedures/rectification/rules.ts summarize). */
  ended: Pick<RectificationSummary, 'items' | 'signedOff' | 'withdrawn' | 'withdrawnLate' | 'onTime' | 'submittedOnTime' | 'late' | 'onTimeRate'>;
}

export interface FeedbackReport {
  workflowId: string;
  title: string;
  perProblem: FeedbackPart[];
  perUnit: FeedbackPart[];
}

/** A rectification feedback (整改) per problem and per unit; null when no such feedback is projected. */
export async function feedbackReport(em: EntityManager, workflowId: string): Promise<FeedbackReport | null> {
  const conn = em.getConnection();
  const [feedback] = await conn.execute<{ title: string }[]>(`select title from procedure where workflow_id = ? and type = 'rectification'`, [workflowId]);
  if (!feedback) return null;
  const items = await conn.execute<{ workflow_id: string; unit_ids: string[]; status: string; overdue: boolean; escalation: { rung?: string } | null; result: ItemResult | null; returns: number }[]>(
    `select p.workflow_id, p.unit_ids, p.status, p.overdue, p.escalation, p.result,
            (select count(*) from action_log l where l.workflow_id = p.workflow_id and l.action = 'return')::int as returns
       from procedure p where p.parent_workflow_id = ? and not starts_with(p.workflow_id, ?) order by p.workflow_id`,
    // The feedback's 整改报告 are children too, but not items.
    [workflowId, reportIdPrefix(workflowId)],
  );
  const parts = (keyOf: (it: (typeof items)[number]) => string): FeedbackPart[] => {
    const groups = new Map<string, (typeof items)[number][]>();
    for (const it of items) groups.set(keyOf(it), [...(groups.get(keyOf(it)) ?? []), it]);
    return [...groups.entries()]
      .sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }))
      .map(([key, its]) => {
        const escalations = Object.fromEntries(ESCALATION_RUNGS.map((x) => [x, 0])) as Record<EscalationRungName, number>;
        // The ladder's latest rung per item: each item counts once, at the highest rung it reached.
        for (const it of its) if (it.escalation?.rung && it.escalation.rung in escalations) escalations[it.escalation.rung as EscalationRungName] += 1;
        const results = its.map((it) => it.result).filter((r): r is ItemResult => !!r && (r.status === 'signedOff' || r.status === 'withdrawn'));
        const s = summarize('', results, '');
        return {
          key,
          items: its.length,
          open: its.filter((it) => it.status === 'open').length,
          overdue: its.filter((it) => it.status === 'open' && it.overdue).length,
          returns: its.reduce((n, it) => n + it.returns, 0),
          escalations,
          ended: { items: s.items, signedOff: s.signedOff, withdrawn: s.withdrawn, withdrawnLate: s.withdrawnLate, onTime: s.onTime, submittedOnTime: s.submittedOnTime, late: s.late, onTimeRate: s.onTimeRate },
        };
      });
  };
  // Item ids are rectification-<feedbackId>-p<no>-<unitId> (rectificationItemWorkflowId): the problem is what
  // lies between the feedback's id and the unit's.
  const problemOf = (it: (typeof items)[number]): string => {
    const unit = it.unit_ids[0] ?? '';
    const rest = it.workflow_id.slice(workflowId.length + 2);
    return rest.endsWith(`-${unit}`) ? rest.slice(0, rest.length - unit.length - 1) : rest;
  };
  return { workflowId, title: feedback.title, perProblem: parts(problemOf), perUnit: parts((it) => it.unit_ids[0] ?? '') };
}

export interface BatchPart {
  key: string;
  items: number;
  open: number;
  overdue: number;
  closed: number;
  /** Closed with every deadline met (metDeadlinesSql). */
  onTime: number;
  escalations: Record<EscalationRungName, number>;
}

export interface BatchReport {
  workflowId: string;
  type: string;
  title: string;
  perStage: BatchPart[];
  perUnit: BatchPart[];
}

/**
 * A batch (全覆盖) or any other fan-out parent, per stage and per unit of its children; null when no such
 * procedure is projected. A closed child's stage is its final status.
 */
export async function batchReport(em: EntityManager, workflowId: string): Promise<BatchReport | null> {
  const conn = em.getConnection();
  const [parent] = await conn.execute<{ type: string; title: string }[]>(`select type, title from procedure where workflow_id = ?`, [workflowId]);
  if (!parent) return null;
  const part = async (key: 'stage' | 'unit'): Promise<BatchPart[]> => {
    const rows = await conn.execute<{ key: string; items: number; open: number; overdue: number; closed: number; on_time: number; r1: number; r2: number; r3: number }[]>(
      `select ${key === 'stage' ? 'p.stage' : 'u'} as key, count(*)::int as items,
              count(*) filter (where p.status = 'open')::int as open,
              count(*) filter (where p.status = 'open' and p.overdue)::int as overdue,
              count(*) filter (where p.closed_at is not null)::int as closed,
              count(*) filter (where p.closed_at is not null and ${hadDeadlineSql('p')} and ${metDeadlinesSql('p')})::int as on_time,
              count(*) filter (where p.escalation->>'rung' = 'supervisionNotice')::int as r1,
              count(*) filter (where p.escalation->>'rung' = 'warning')::int as r2,
              count(*) filter (where p.escalation->>'rung' = 'accountability')::int as r3
         from procedure p ${key === 'unit' ? 'cross join lateral unnest(p.unit_ids) as u' : ''}
        where p.parent_workflow_id = ?
        group by 1 order by 1`,
      [workflowId],
    );
    return rows.map((r) => ({
      key: r.key,
      items: r.items,
      open: r.open,
      overdue: r.overdue,
      closed: r.closed,
      onTime: r.on_time,
      escalations: { supervisionNotice: r.r1, warning: r.r2, accountability: r.r3 },
    }));
  };
  return { workflowId, type: parent.type, title: parent.title, perStage: await part('stage'), perUnit: await part('unit') };
}

/** A problem of a feedback as its items started with it: the 问题清单. */
export interface FeedbackProblem {
  no: string;
  title: string;
  leadUnitId: string | null;
}

/** A closed feedback's closing summary (整改情况报告): what its workflow returned and projected as its result. */
export interface FeedbackClosing {
  title: string;
  summary: RectificationSummary;
  /** Every problem, in problem-number order, from its items' start (the summary counts them by number only). */
  problems: FeedbackProblem[];
}

/** The closing summary of a rectification feedback; null while it is open, or when no such feedback is projected. */
export async function feedbackClosing(em: EntityManager, workflowId: string): Promise<FeedbackClosing | null> {
  const conn = em.getConnection();
  const [row] = await conn.execute<{ title: string; status: string; result: RectificationSummary | null }[]>(
    `select title, status, result from procedure where workflow_id = ? and type = 'rectification'`,
    [workflowId],
  );
  if (!row || row.status !== 'closed' || !row.result) return null;
  const problems = await conn.execute<{ no: string; title: string; lead_unit_id: string | null }[]>(
    `select distinct on (l.data->'problem'->>'no') l.data->'problem'->>'no' as no, l.data->'problem'->>'title' as title, l.data->'problem'->>'leadUnitId' as lead_unit_id
       from procedure p join action_log l on l.workflow_id = p.workflow_id and l.action = 'start'
      where p.parent_workflow_id = ? and l.data->'problem' is not null
      order by l.data->'problem'->>'no'`,
    [workflowId],
  );
  return {
    title: row.title,
    summary: row.result,
    problems: problems
      .map((p) => ({ no: p.no, title: p.title, leadUnitId: p.lead_unit_id }))
      .sort((a, b) => a.no.localeCompare(b.no, 'en', { numeric: true })),
  };
}
