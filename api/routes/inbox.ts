/**
 * The inbox and the lists around it (待办 / 已办 / 我发起的), and the counts the web console shows as
 * badges. Computed in PostgreSQL from the projections (task, procedure, action_log): the console pages
 * through them instead of loading every pending task at once.
 */
import type { Knex } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { dueWindow } from '../../domain/dates';
import { ProcedureSchema } from '../../platform/entities';
import type { ProcedureDescriptor } from '../../procedures/descriptor';
import { PROCEDURES } from '../../procedures/registry';
import { ProcedureRow, TaskRow, boolString, dateString } from '../schemas';
import type { RouteContext } from './context';
import { procedureView } from './procedures';

const KNOWN = PROCEDURES as readonly ProcedureDescriptor[];
const typeParam = z
  .string()
  .refine((t) => KNOWN.some((p) => p.type === t), `must be one of ${KNOWN.map((p) => p.type).join(', ')}`)
  .optional();
const paging = {
  page: z.coerce.number().int().min(1).max(100_000).optional().openapi({ description: 'From 1; with page or pageSize the answer is a page' }),
  pageSize: z.coerce.number().int().min(1).max(200).optional().openapi({ description: 'Rows per page, 20 by default' }),
};

export const InboxQuery = z
  .object({
    type: typeParam.openapi({ description: 'Procedure type' }),
    stage: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, 'must be a step key').optional().openapi({ description: 'The task’s step' }),
    overdue: boolString.optional().openapi({ description: 'Only tasks whose procedure is (true) or is not (false) overdue' }),
    dueFrom: dateString.optional().openapi({ description: 'Due on or after this China calendar day' }),
    dueTo: dateString.optional().openapi({ description: 'Due on or before this China calendar day' }),
    sort: z
      .enum(['due', '-due', 'opened', '-opened'])
      .optional()
      .openapi({ description: 'due: earliest due first (no due date last); opened: oldest first (the default); "-" reverses' }),
    ...paging,
  })
  .strict()
  .refine((q) => !q.dueFrom || !q.dueTo || q.dueFrom <= q.dueTo, { message: 'must not be after dueTo', path: ['dueFrom'] });

export const InboxRow = TaskRow.extend({
  procedureStage: z.string().nullable(),
  escalation: ProcedureRow.shape.escalation,
}).openapi('InboxTask');

const page = <T extends z.ZodType>(item: T, name: string) =>
  z.object({ total: z.number().int(), page: z.number().int(), pageSize: z.number().int(), items: z.array(item) }).openapi(name);

export const InboxPage = page(InboxRow, 'InboxPage');

export const InboxCounts = z
  .object({
    total: z.number().int(),
    overdue: z.number().int(),
    onTime: z.number().int().openapi({ description: 'Pending and not overdue' }),
    byType: z.array(z.object({ type: z.string(), total: z.number().int(), overdue: z.number().int() })),
    byRung: z.array(z.object({ rung: z.string(), count: z.number().int() })).openapi({ description: 'Overdue tasks by the escalation rung of their procedure' }),
  })
  .openapi('InboxCounts');

export const DoneRow = z
  .object({
    taskId: z.string(),
    workflowId: z.string(),
    procedureType: z.string().nullable(),
    procedureTitle: z.string().nullable(),
    procedureStatus: z.string().nullable(),
    procedureStage: z.string().nullable(),
    step: z.string().nullable(),
    action: z.string().openapi({ description: 'My last action on the task' }),
    at: z.string(),
  })
  .openapi('DoneTask');

const ListQuery = z.object({ type: typeParam, ...paging }).strict();

type Row = Record<string, unknown>;
const iso = (v: unknown): string | null => (v == null ? null : new Date(v as string).toISOString());

function pageOf(q: { page?: number; pageSize?: number }): { page: number; pageSize: number } {
  return { page: q.page ?? 1, pageSize: q.pageSize ?? 20 };
}

/** The user's pending tasks joined to their procedures, with the filters of the query. */
function pendingOf(knex: Knex, userId: string, q: z.output<typeof InboxQuery> = {}): Knex.QueryBuilder {
  const qb = knex('task as t')
    .leftJoin('procedure as p', 'p.workflow_id', 't.workflow_id')
    .where('t.status', 'pending')
    // @> is the operator the task table's assignee index serves (as the $contains of the former inbox).
    .whereRaw('t.assignee_ids @> ?::text[]', [[userId]]);
  if (q.type) qb.where('t.procedure_type', q.type);
  if (q.stage) qb.where('t.step', q.stage);
  if (q.overdue === true) qb.where('p.overdue', true);
  if (q.overdue === false) qb.where((w) => w.whereNull('p.overdue').orWhere('p.overdue', false));
  const due = dueWindow(q.dueFrom, q.dueTo);
  if (due.after) qb.where('t.due_at', '>', due.after);
  if (due.upTo) qb.where('t.due_at', '<=', due.upTo);
  return qb;
}

function inboxView(r: Row): z.infer<typeof InboxRow> {
  return {
    id: r.id as string,
    workflowId: r.workflow_id as string,
    procedureType: r.procedure_type as string,
    procedureTitle: (r.title as string | null) ?? null,
    procedureStage: (r.stage as string | null) ?? null,
    step: r.step as string,
    round: r.round as number,
    assigneeIds: r.assignee_ids as string[],
    status: r.status as string,
    openedAt: iso(r.opened_at)!,
    dueAt: iso(r.due_at),
    overdue: (r.overdue as boolean | null) ?? false,
    escalation: (r.escalation as z.infer<typeof InboxRow>['escalation']) ?? null,
  };
}

export function inboxRoutes({ route }: RouteContext): void {
  route({
    method: 'get',
    path: '/inbox',
    tag: 'tasks',
    summary: 'My pending tasks (待办), filtered and sorted; a page when page or pageSize is given',
    description:
      'Without page or pageSize: every matching task, as an array (oldest first unless sort says otherwise). ' +
      'With either: {total, page, pageSize, items}.',
    query: InboxQuery,
    response: { status: 200, schema: z.union([z.array(InboxRow), InboxPage]), description: 'Oldest first by default' },
    handler: async ({ em, user, query }) => {
      const knex = em.getKnex();
      const sorted = pendingOf(knex, user.id, query).select('t.*', 'p.title', 'p.stage', 'p.overdue', 'p.escalation');
      const dir = query.sort?.startsWith('-') ? 'desc' : 'asc';
      if (query.sort === 'due' || query.sort === '-due') sorted.orderByRaw(`t.due_at ${dir} nulls last`).orderBy('t.opened_at', 'asc');
      else sorted.orderBy('t.opened_at', dir);
      sorted.orderBy('t.id', 'asc');
      if (query.page === undefined && query.pageSize === undefined) {
        return { status: 200, body: ((await sorted) as Row[]).map(inboxView) };
      }
      const { page, pageSize } = pageOf(query);
      const [rows, [count]] = await Promise.all([
        sorted.clone().limit(pageSize).offset((page - 1) * pageSize) as Promise<Row[]>,
        pendingOf(knex, user.id, query).count({ n: '*' }) as Promise<{ n: string }[]>,
      ]);
      return { status: 200, body: { total: Number(count?.n ?? 0), page, pageSize, items: rows.map(inboxView) } };
    },
  });

  route({
    method: 'get',
    path: '/inbox/counts',
    tag: 'tasks',
    summary: 'How many tasks I have pending, per procedure type, per overdue state and per escalation rung (the badges)',
    response: { status: 200, schema: InboxCounts, description: 'Counts' },
    handler: async ({ em, user }) => {
      const knex = em.getKnex();
      const grouped: unknown = await pendingOf(knex, user.id)
        .select('t.procedure_type as type', knex.raw("coalesce(p.escalation->>'rung', '') as rung"), knex.raw('coalesce(p.overdue, false) as overdue'))
        .count({ n: '*' })
        .groupBy('t.procedure_type', 'rung', knex.raw('coalesce(p.overdue, false)'));
      const rows = grouped as { type: string; rung: string; overdue: boolean; n: string }[];
      const byType = new Map<string, { type: string; total: number; overdue: number }>();
      const byRung = new Map<string, number>();
      let total = 0;
      let overdue = 0;
      for (const r of rows) {
        const n = Number(r.n);
        total += n;
        const t = byType.get(r.type) ?? { type: r.type, total: 0, overdue: 0 };
        t.total += n;
        if (r.overdue) {
          overdue += n;
          t.overdue += n;
          if (r.rung) byRung.set(r.rung, (byRung.get(r.rung) ?? 0) + n);
        }
        byType.set(r.type, t);
      }
      return {
        status: 200,
        body: {
          total,
          overdue,
          onTime: total - overdue,
          byType: [...byType.values()].sort((a, b) => a.type.localeCompare(b.type)),
          byRung: [...byRung].map(([rung, count]) => ({ rung, count })),
        },
      };
    },
  });

  route({
    method: 'get',
    path: '/inbox/done',
    tag: 'tasks',
    summary: 'Tasks I acted on (已办), from the action log, most recent action first',
    query: ListQuery,
    response: { status: 200, schema: page(DoneRow, 'DonePage'), description: 'A page' },
    handler: async ({ em, user, query }) => {
      const knex = em.getKnex();
      const { page, pageSize } = pageOf(query);
      // One row per task: my latest action on it.
      const mine = knex('action_log as a')
        .distinctOn('a.task_id')
        .select('a.task_id', 'a.workflow_id', 'a.step', 'a.action', 'a.at')
        .where('a.actor_id', user.id)
        .whereNotNull('a.task_id')
        .orderBy([{ column: 'a.task_id' }, { column: 'a.at', order: 'desc' }, { column: 'a.seq', order: 'desc' }]);
      const base = knex.from(mine.as('d')).leftJoin('procedure as p', 'p.workflow_id', 'd.workflow_id');
      if (query.type) base.where('p.type', query.type);
      const [rows, [count]] = await Promise.all([
        base
          .clone()
          .select('d.*', 'p.type', 'p.title', 'p.status', 'p.stage')
          .orderBy([{ column: 'd.at', order: 'desc' }, { column: 'd.task_id' }])
          .limit(pageSize)
          .offset((page - 1) * pageSize) as Promise<Row[]>,
        base.clone().count({ n: '*' }) as Promise<{ n: string }[]>,
      ]);
      return {
        status: 200,
        body: {
          total: Number(count?.n ?? 0),
          page,
          pageSize,
          items: rows.map((r) => ({
            taskId: r.task_id as string,
            workflowId: r.workflow_id as string,
            procedureType: (r.type as string | null) ?? null,
            procedureTitle: (r.title as string | null) ?? null,
            procedureStatus: (r.status as string | null) ?? null,
            procedureStage: (r.stage as string | null) ?? null,
            step: (r.step as string | null) ?? null,
            action: r.action as string,
            at: iso(r.at)!,
          })),
        },
      };
    },
  });

  route({
    method: 'get',
    path: '/inbox/started',
    tag: 'tasks',
    summary: 'Procedures I started (我发起的), newest first',
    query: ListQuery,
    response: { status: 200, schema: page(ProcedureRow, 'StartedPage'), description: 'A page' },
    handler: async ({ em, user, query }) => {
      const { page, pageSize } = pageOf(query);
      const where: Record<string, unknown> = { startedBy: user.id };
      if (query.type) where.type = query.type;
      const [rows, total] = await em.findAndCount(ProcedureSchema, where, {
        orderBy: { startedAt: 'desc', workflowId: 'asc' },
        limit: pageSize,
        offset: (page - 1) * pageSize,
      });
      return { status: 200, body: { total, page, pageSize, items: rows.map(procedureView) } };
    },
  });
}
