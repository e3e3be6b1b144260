/**
 * Supervision (督查): what is overdue or soon due across every procedure type, and acting on it.
 * Every list here is computed in PostgreSQL from the projections (platform/board.ts); actions go
 * through the workflows' Updates like any other action.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { CalendarNotCoveredError } from '../../domain/calendar';
import { AppUserSchema, ProcedureSchema, TaskSchema } from '../../platform/entities';
import { BOARD_RUNGS, boardGroups, boardItems, type BoardFilter } from '../../platform/board';
import { log } from '../../platform/log';
import { recordSupervisionAction, setWatched } from '../../platform/supervision-log';
import { actUpdate, manageUpdate, workflowIdOfTask, type ActInput } from '../../procedures/kernel/messages';
import { boardTypes, PROCEDURES } from '../../procedures/registry';
import { chinaDateOf } from '../../domain/dates';
import { access, procedureScopeSql } from '../authz';
import { ApiError, Conflict, NotFound, Unprocessable } from '../errors';
import { assertWorkerPolling } from '../readiness';
import { exportNames } from '../export-names';
import { streamXlsx } from '../xlsx';
import { sendUpdate } from '../temporal';
import { ActResult, id, ProcedureRow, TaskIdParam, text, WorkflowIdParam } from '../schemas';
import type { RouteContext } from './context';
import { downloadRoute } from './download';
import { procedureView } from './procedures';

/** Types whose work falls overdue, from the registry. */
const OVERDUE_TYPES: string[] = boardTypes();
export const TYPES = PROCEDURES.map((p) => p.type) as [string, ...string[]];
/** What staff call each type (the descriptor's label), for the exports they print. */
const TYPE_LABEL: Record<string, string> = Object.fromEntries(PROCEDURES.map((p) => [p.type, p.label]));
export const typeLabel = (type: string): string => TYPE_LABEL[type] ?? type;

/**
 * Supervisors (督查) see the board and act from it, within their scope (api/authz.ts); reports and their
 * exports are also for the staff (经办人) who start the procedures, within theirs.
 */
const SUPERVISION_ROLES = ['supervisor'] as const;

const boolString = z.enum(['true', 'false']).transform((v) => v === 'true');

/** The board's filter, shared by the board, its export and the bulk urge. */
export const BoardFilterSchema = z
  .object({
    unit: id.optional(),
    type: z.enum(TYPES, { message: `must be one of ${TYPES.join(', ')}` }).optional(),
    rung: z.enum(BOARD_RUNGS, { message: `must be one of ${BOARD_RUNGS.join(', ')}` }).optional(),
    dueWithin: z.coerce
      .number({ message: 'must be a whole number of working days' })
      .int('must be a whole number of working days')
      .min(0, 'must be 0 or more')
      .max(60, 'must be at most 60')
      .default(3)
      .openapi({ description: 'Due in the next N working days (overdue work is always in); 3 by default' }),
    watched: boolString.optional().openapi({ description: 'Only items on the watch list (挂账督办), or only those not on it' }),
  })
  .strict();

const Rungs = z.object(Object.fromEntries(BOARD_RUNGS.map((r) => [r, z.number().int()])) as Record<(typeof BOARD_RUNGS)[number], z.ZodNumber>);

export const BoardGroupRow = z
  .object({
    unitId: z.string(),
    type: z.string(),
    stage: z.string(),
    items: z.number().int(),
    overdue: z.number().int(),
    watched: z.number().int(),
    rungs: Rungs,
    highestRung: z.enum(BOARD_RUNGS),
    oldest: z.object({ workflowId: z.string(), title: z.string(), dueAt: z.string(), daysOverdue: z.number().int().openapi({ description: 'Working days past the due date' }) }),
    assigneeIds: z.array(z.string()),
    assigneeCount: z.number().int(),
  })
  .openapi('BoardGroup');

export const Board = z
  .object({ asOf: z.string(), windowEnd: z.string(), filter: z.unknown(), totals: z.object({ items: z.number().int(), overdue: z.number().int() }), groups: z.array(BoardGroupRow) })
  .openapi('SupervisionBoard');

/** The working-day calendar must cover today's window; otherwise the question has no answer yet. */
export function calendarRefusal(err: unknown): never {
  if (err instanceof CalendarNotCoveredError) {
    throw new Unprocessable('calendar_not_covered', `dueWithin: ${err.message}`, { field: 'dueWithin', year: err.year });
  }
  throw err;
}

/** At most this many procedures in one bulk urge: a wider filter is refused before anything is sent. */
export const BULK_URGE_MAX = 500;
/** Urges sent at once: each is one Update, and the worker serves the rest of the users meanwhile. */
const URGE_CONCURRENCY = 4;

const BulkUrgeBody = z
  .object({
    filter: BoardFilterSchema.default({ dueWithin: 3 }),
    comment: text(500).openapi({ description: 'One comment, sent with every urge' }),
  })
  .strict()
  .openapi('BulkUrgeBody');

const BulkUrgeResult = z
  .object({
    matched: z.number().int(),
    urged: z.number().int(),
    refused: z.record(z.string(), z.number().int()).openapi({ description: 'Refusals by code (e.g. action_not_allowed for a type without 催办)' }),
    failed: z.number().int(),
    items: z.array(z.object({ workflowId: z.string(), taskId: z.string(), outcome: z.enum(['urged', 'refused', 'failed']), code: z.string().optional(), notified: z.array(z.string()).optional() })),
  })
  .openapi('BulkUrgeResult');

const ReassignBody = z
  .object({ targetUserId: id, reason: text(500).openapi({ description: 'Why the task is reassigned; recorded with the transfer' }) })
  .strict()
  .openapi('ReassignBody');

const WatchBody = z.object({ comment: text(500).optional() }).strict().openapi('WatchBody');
const WatchResult = z.object({ workflowId: z.string(), watched: z.boolean(), changed: z.boolean() }).openapi('WatchResult');
const WatchRow = z
  .object({ workflowId: z.string(), watchedBy: z.string(), comment: z.string().nullable(), watchedAt: z.string(), procedure: ProcedureRow.nullable() })
  .openapi('WatchRow');

async function pool<T, R>(items: readonly T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

/** An open procedure, or 404 / 409. */
async function openProcedure(em: EntityManager, workflowId: string) {
  const p = await em.findOne(ProcedureSchema, { workflowId });
  if (!p) throw new NotFound('procedure_not_found', 'no such procedure');
  if (p.status !== 'open') throw new Conflict('procedure_ended', 'the procedure has ended');
  return p;
}

const RUNG_TEXT: Record<string, string> = { none: '未升级', supervisionNotice: '督办通知', warning: '预警', accountability: '问责' };

export function supervisionRoutes(ctx: RouteContext): void {
  const { route, deps } = ctx;
  const download = downloadRoute(ctx);

  route({
    method: 'get',
    path: '/supervision/overdue',
    tag: 'supervision',
    summary: 'Open procedures past their due date (督查), oldest due first',
    access: access.roles(...SUPERVISION_ROLES),
    response: { status: 200, schema: z.array(ProcedureRow), description: 'Overdue and still open' },
    errors: [403],
    handler: async ({ em }) => {
      const rows = await em.find(
        ProcedureSchema,
        { overdue: true, status: 'open', type: { $in: OVERDUE_TYPES }, parentWorkflowId: { $ne: null } },
        { orderBy: { dueAt: 'asc', workflowId: 'asc' } },
      );
      return { status: 200, body: rows.map(procedureView) };
    },
  });

  route({
    method: 'get',
    path: '/supervision/board',
    tag: 'supervision',
    summary: 'The supervision board (督查看板): overdue and soon-due work by unit × stage × type',
    description:
      'Open work with a pending task that is overdue or due within `dueWithin` working days, across every procedure type, ' +
      'grouped by unit (an item of several units counts in each), stage and type. Each group: counts, the items per rung of ' +
      'the overdue ladder, the oldest item with its working days overdue, and who holds the pending tasks. Oldest first.',
    access: access.roles(...SUPERVISION_ROLES),
    query: BoardFilterSchema,
    response: { status: 200, schema: Board, description: 'The groups, oldest due first' },
    errors: [403, 422],
    handler: async ({ em, user, query }) => {
      const f: BoardFilter = query;
      const board = await boardGroups(em, { ...f, scope: procedureScopeSql(user), scopeUserId: user.id }).catch(calendarRefusal);
      return { status: 200, body: { ...board, filter: f } };
    },
  });

  route({
    method: 'post',
    path: '/supervision/urge',
    tag: 'supervision',
    summary: 'Bulk 催办: urge every item the board shows under a filter, with one comment',
    description:
      `Sends the manage Update \`urge\` to each procedure under the board's filter (oldest due first), on its oldest pending ` +
      `task, with the comment; the workflow notifies the assignees and records it like any urge. Each procedure's answer ` +
      `is counted: urged, refused (by code) or failed. At most ${BULK_URGE_MAX} procedures: a wider filter is refused ` +
      `(422 too_many_items) before anything is sent. A repeat with the same Idempotency-Key answers the first result.`,
    access: access.roles('supervisor'),
    idempotent: true,
    body: BulkUrgeBody,
    response: { status: 200, schema: BulkUrgeResult, description: 'What each urge did' },
    errors: [403, 422, 503],
    handler: async ({ em, user, body, idempotencyKey }) => {
      const items = await boardItems(em, { ...body.filter, scope: procedureScopeSql(user) }, BULK_URGE_MAX + 1).catch(calendarRefusal);
      if (items.length > BULK_URGE_MAX) {
        throw new Unprocessable('too_many_items', `filter: more than ${BULK_URGE_MAX} procedures match; narrow it by unit, type, rung or dueWithin`, { field: 'filter', max: BULK_URGE_MAX });
      }
      // Without a worker every urge would fail alike, and that answer would be kept for the key: refuse
      // the whole request instead (503, nothing sent), so a retry with the same key sends them.
      if (items.length > 0) await assertWorkerPolling(deps);
      const results = await pool(items, URGE_CONCURRENCY, async (it) => {
        try {
          const r = await sendUpdate(
            deps,
            em,
            it.workflowId,
            manageUpdate,
            { actorId: user.id, actorRoles: user.roles, action: 'urge', taskId: it.taskId, comment: body.comment },
            // One Update id per procedure under the request's key: a repeat is deduplicated by each workflow.
            `${user.id}:${idempotencyKey}:${it.workflowId}`,
          );
          return { workflowId: it.workflowId, taskId: it.taskId, outcome: 'urged' as const, notified: r.notified ?? [] };
        } catch (err) {
          if (err instanceof ApiError && err.status < 500) return { workflowId: it.workflowId, taskId: it.taskId, outcome: 'refused' as const, code: err.code };
          log().error({ err, workflowId: it.workflowId, taskId: it.taskId }, 'bulk urge: an urge failed');
          return { workflowId: it.workflowId, taskId: it.taskId, outcome: 'failed' as const, code: err instanceof ApiError ? err.code : 'internal_error' };
        }
      });
      const refused: Record<string, number> = {};
      for (const r of results) if (r.outcome === 'refused' && r.code) refused[r.code] = (refused[r.code] ?? 0) + 1;
      const counts = { matched: items.length, urged: results.filter((r) => r.outcome === 'urged').length, refused, failed: results.filter((r) => r.outcome === 'failed').length };
      await recordSupervisionAction(em.fork(), {
        id: `bulkUrge:${user.id}:${idempotencyKey}`,
        kind: 'bulkUrge',
        actorId: user.id,
        at: new Date(),
        target: null,
        filter: body.filter,
        comment: body.comment,
        result: counts,
      });
      return { status: 200, body: { ...counts, items: results } };
    },
  });

  route({
    method: 'post',
    path: '/supervision/tasks/:taskId/reassign',
    tag: 'supervision',
    summary: 'Reassign a stuck task to another person (转办 by a supervisor), with a reason',
    description:
      'Sends the task a `transfer` through the workflow\'s act Update, as the supervisor, with the reason as its comment and ' +
      'the supervisor\'s roles, like any action: the workflow\'s validator decides (a supervisor may transfer a task that is ' +
      'not theirs, with a reason; not a vote), and a refusal leaves no trace. The whole position goes to the new person.',
    // The task's procedure must be visible (404 otherwise), and the caller a supervisor.
    access: access.task(),
    roles: ['supervisor'],
    idempotent: true,
    params: TaskIdParam,
    body: ReassignBody,
    response: { status: 200, schema: ActResult, description: 'Reassigned; nextTask is the task as it now stands' },
    errors: [403, 404, 409, 422, 503],
    handler: async ({ em, user, params, body, idempotencyKey }) => {
      const workflowId = workflowIdOfTask(params.taskId);
      const task = workflowId ? await em.findOne(TaskSchema, { id: params.taskId }) : null;
      if (!workflowId || !task) throw new NotFound('task_not_found', 'no such task');
      if (task.status !== 'pending') throw new Conflict('task_not_pending', 'the task is not pending');
      if (!(await em.count(AppUserSchema, { id: body.targetUserId }))) throw new Unprocessable('unknown_user', 'targetUserId: a user does not exist', { field: 'targetUserId' });
      // actorRoles travels with the action: the kernel lets a supervisor transfer a task that is not theirs.
      const input: ActInput = {
        taskId: params.taskId,
        actorId: user.id,
        actorRoles: user.roles,
        action: 'transfer',
        targetUserId: body.targetUserId,
        comment: body.reason,
      };
      const result = await sendUpdate(deps, em, workflowId, actUpdate, input, `${user.id}:${idempotencyKey}`);
      await recordSupervisionAction(em.fork(), {
        id: `reassign:${user.id}:${idempotencyKey}`,
        kind: 'reassign',
        actorId: user.id,
        at: new Date(),
        target: params.taskId,
        filter: null,
        comment: body.reason,
        result: { from: task.assigneeIds, to: body.targetUserId },
      });
      return { status: 200, body: result };
    },
  });

  for (const on of [true, false]) {
    route({
      method: on ? 'put' : 'delete',
      path: '/supervision/watch/:workflowId',
      tag: 'supervision',
      summary: on ? 'Put a procedure on the watch list (挂账督办)' : 'Take a procedure off the watch list (挂账督办)',
      description:
        'Recorded in the procedure\'s audit chain (supervision:watch / supervision:unwatch) and in the supervision actions, in one ' +
        'transaction. Doing it again changes nothing and records nothing (changed: false).' +
        (on ? ' Only an open procedure can be put on it.' : ''),
      access: access.procedure('workflowId', { roles: ['supervisor'] }),
      idempotent: true,
      params: WorkflowIdParam,
      ...(on ? { body: WatchBody } : {}),
      response: { status: 200, schema: WatchResult, description: 'Where it stands now' },
      errors: [403, 404, 409],
      handler: async ({ em, user, params, body, idempotencyKey }) => {
        if (on) await openProcedure(em, params.workflowId);
        else if (!(await em.count(ProcedureSchema, { workflowId: params.workflowId }))) throw new NotFound('procedure_not_found', 'no such procedure');
        const comment = (body as { comment?: string } | undefined)?.comment ?? null;
        const at = new Date();
        const kind = on ? 'watch' : 'unwatch';
        const changed = await setWatched(em.fork(), { workflowId: params.workflowId, on, actorId: user.id, comment, auditId: `${kind}:${user.id}:${idempotencyKey}`, at });
        if (changed) {
          await recordSupervisionAction(em.fork(), { id: `${kind}:${user.id}:${idempotencyKey}`, kind, actorId: user.id, at, target: params.workflowId, filter: null, comment, result: { changed } });
        }
        return { status: 200, body: { workflowId: params.workflowId, watched: on, changed } };
      },
    });
  }

  route({
    method: 'get',
    path: '/supervision/watch',
    tag: 'supervision',
    summary: 'The watch list (挂账督办), longest watched first',
    access: access.roles(...SUPERVISION_ROLES),
    response: { status: 200, schema: z.array(WatchRow), description: 'Watched procedures' },
    errors: [403],
    handler: async ({ em, user }) => {
      const scope = procedureScopeSql(user);
      const rows = await em.execute<{ workflow_id: string; watched_by: string; comment: string | null; watched_at: Date }[]>(
        `select w.workflow_id, w.watched_by, w.comment, w.watched_at from supervision_watch w join procedure p on p.workflow_id = w.workflow_id
          where ${scope.sql} order by w.watched_at, w.workflow_id`,
        scope.params,
      );
      const procs = new Map((await em.find(ProcedureSchema, { workflowId: { $in: rows.map((r) => r.workflow_id) } })).map((p) => [p.workflowId, p]));
      return {
        status: 200,
        body: rows.map((r) => {
          const p = procs.get(r.workflow_id);
          return { workflowId: r.workflow_id, watchedBy: r.watched_by, comment: r.comment, watchedAt: new Date(r.watched_at).toISOString(), procedure: p ? procedureView(p) : null };
        }),
      };
    },
  });

  download({
    path: '/supervision/board/export',
    summary: 'The supervision board as XLSX (督查看板): the groups, and every item under the filter',
    roles: SUPERVISION_ROLES,
    query: BoardFilterSchema,
    send: async ({ em, user, query: filter, res }) => {
      const query = { ...filter, scope: procedureScopeSql(user), scopeUserId: user.id };
      const now = new Date();
      const board = await boardGroups(em, query, now).catch(calendarRefusal);
      const names = await exportNames(em, board.groups.flatMap((g) => g.assigneeIds));
      type Item = Awaited<ReturnType<typeof boardItems>>[number];
      async function* items(): AsyncGenerator<Item> {
        let after: { dueAt: Date; workflowId: string } | undefined;
        for (;;) {
          const page = await boardItems(em, query, 2000, now, after);
          yield* page;
          const last = page.at(-1);
          if (!last || page.length < 2000) return;
          after = { dueAt: last.dueAt, workflowId: last.workflowId };
        }
      }
      await streamXlsx(res, `督查看板-${chinaDateOf(now)}.xlsx`, [
        {
          name: '看板',
          rows: board.groups,
          columns: [
            { header: '单位', width: 24, value: (g: (typeof board.groups)[number]) => names.unit(g.unitId) },
            { header: '事项类型', width: 22, value: (g) => typeLabel(g.type) },
            { header: '环节', width: 16, value: (g) => names.stage(g.type, g.stage) },
            { header: '事项数', width: 10, value: (g) => g.items },
            { header: '逾期数', width: 10, value: (g) => g.overdue },
            { header: '挂账督办', width: 10, value: (g) => g.watched },
            { header: '最高等级', width: 12, value: (g) => RUNG_TEXT[g.highestRung] ?? g.highestRung },
            { header: '最早到期事项', width: 40, value: (g) => g.oldest.title },
            { header: '最早到期时间', width: 20, value: (g) => new Date(g.oldest.dueAt), numFmt: 'yyyy-mm-dd hh:mm' },
            { header: '逾期工作日', width: 12, value: (g) => g.oldest.daysOverdue },
            { header: '当前办理人', width: 40, value: (g) => g.assigneeIds.map(names.person).join('、') },
          ],
        },
        {
          name: '明细',
          rows: items(),
          columns: [
            { header: '流程编号', width: 44, value: (i: Item) => i.workflowId },
            { header: '事项类型', width: 22, value: (i) => typeLabel(i.type) },
            { header: '标题', width: 40, value: (i) => i.title },
            { header: '单位', width: 24, value: (i) => names.units(i.unitIds) },
            { header: '环节', width: 16, value: (i) => names.stage(i.type, i.stage) },
            { header: '到期时间', width: 20, value: (i) => i.dueAt, numFmt: 'yyyy-mm-dd hh:mm' },
            { header: '督办等级', width: 12, value: (i) => RUNG_TEXT[i.rung] ?? i.rung },
          ],
        },
      ]);
    },
  });

}
