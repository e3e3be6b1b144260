import { z } from 'zod';
import { dueWindow } from '../../domain/dates';
import { temporalUiPort } from '../../platform/config';
import { ActionLogSchema, ProcedureSchema, type Procedure } from '../../platform/entities';
import type { ProcedureDescriptor } from '../../procedures/descriptor';
import { stateQuery } from '../../procedures/kernel/messages';
import { PROCEDURES } from '../../procedures/registry';
import { access, assertUnitsInScope, personnelShown, procedureScope } from '../authz';
import { crashPoint } from '../crash-points';
import { ApiError, BadRequest, NotFound, Unavailable, fromTemporal } from '../errors';
import { startedByParent, startProcedure } from '../temporal';
import { personNames } from '../master-data';
import { actionDataShown } from '../personnel';
import { ActionRow, boolString, dateString, id, PersonName, ProcedureList, ProcedureRow, StartResult, WorkflowIdParam } from '../schemas';
import type { RouteContext } from './context';

/** The procedure list's filters, sort and page (GET /procedures). */
const ListQuery = z
  .object({
    type: z.string().regex(/^[A-Za-z]{1,64}$/, 'must be a procedure type').optional(),
    unit: id.optional(),
    status: z.string().max(32).optional(),
    stage: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, 'must be a stage key').optional().openapi({ description: 'The procedure’s stage (its running step, or its status once closed)' }),
    overdue: boolString.optional(),
    dueFrom: dateString.optional().openapi({ description: 'Due on or after this China calendar day' }),
    dueTo: dateString.optional().openapi({ description: 'Due on or before this China calendar day' }),
    parent: z.string().max(200).optional(),
    sort: z
      .enum(['started', '-started', 'due', '-due'])
      .default('-started')
      .openapi({ description: 'started: oldest first; due: earliest due first (no due date last); "-" reverses. Newest first by default' }),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict()
  .refine((q) => !q.dueFrom || !q.dueTo || q.dueFrom <= q.dueTo, { message: 'must not be after dueTo', path: ['dueFrom'] });

const QUERY_DEADLINE_MS = 15_000;

/** Who is shown a procedure's place in the Temporal Web UI. */
const OPERATORS: readonly string[] = ['admin', 'supervisor'];

export function procedureView(p: Procedure): z.infer<typeof ProcedureRow> {
  return {
    workflowId: p.workflowId,
    type: p.type,
    parentWorkflowId: p.parentWorkflowId,
    title: p.title,
    unitIds: p.unitIds,
    status: p.status,
    stage: p.stage,
    overdue: p.overdue,
    dueAt: p.dueAt?.toISOString() ?? null,
    startedBy: p.startedBy,
    startedAt: p.startedAt.toISOString(),
    closedAt: p.closedAt?.toISOString() ?? null,
    result: p.result ?? null,
    escalation: p.escalation ?? null,
  };
}

export function procedureRoutes({ route, deps }: RouteContext): void {
  // One start route per procedure type the registry lists: POST /procedures/<type>.
  for (const p of PROCEDURES as readonly ProcedureDescriptor[]) {
    const start = p.start;
    if (!start) continue;
    route({
      method: 'post',
      path: `/procedures/${p.type}`,
      tag: 'procedures',
      summary: start.summary,
      description: start.description,
      access: access.roles('staff'),
      idempotent: true,
      body: start.body,
      response: { status: 201, schema: StartResult, description: 'The procedure has started; openTasks are already in their inboxes' },
      errors: [403, 409, 422, 503],
      handler: async ({ em, body, user }) => {
        const plan = await start.plan({ em, user, body });
        // Every unit the procedure will belong to must be in the starter's scope (403 out_of_scope).
        await assertUnitsInScope(em, user, plan.units);
        const started = await startProcedure(deps, em, p.type, plan);
        crashPoint('after-start');
        return started;
      },
    });
  }

  route({
    method: 'get',
    path: '/procedures',
    tag: 'procedures',
    summary: 'List procedures, filtered by type, unit, status, overdue or parent',
    description: 'Only the procedures the caller takes part in or whose units are in their scope.',
    access: access.user('the list is filtered to what the caller may see (authz.procedureScope)'),
    query: ListQuery,
    response: { status: 200, schema: ProcedureList, description: 'Newest first' },
    handler: async ({ em, query, user }) => {
      // Types and statuses are the registry's; anything else is a typo, not an empty list.
      const known = PROCEDURES as readonly ProcedureDescriptor[];
      const type = query.type ? known.find((p) => p.type === query.type) : undefined;
      if (query.type && !type) throw new BadRequest('validation_error', `type: must be one of ${known.map((p) => p.type).join(', ')}`, { field: 'type' });
      const statuses = [...new Set((type ? [type] : known).flatMap((p) => [...p.statuses]))];
      if (query.status && !statuses.includes(query.status)) {
        throw new BadRequest('validation_error', `status: must be one of ${statuses.join(', ')}`, { field: 'status' });
      }
      const where: Record<string, unknown> = {};
      if (query.type) where.type = query.type;
      if (query.status) where.status = query.status;
      if (query.overdue !== undefined) where.overdue = query.overdue;
      if (query.parent) where.parentWorkflowId = query.parent;
      if (query.unit) where.unitIds = { $overlap: [query.unit] };
      if (query.stage) where.stage = query.stage;
      const due = dueWindow(query.dueFrom, query.dueTo);
      if (due.after || due.upTo) where.dueAt = { ...(due.after ? { $gt: due.after } : {}), ...(due.upTo ? { $lte: due.upTo } : {}) };
      const dir = query.sort.startsWith('-') ? 'desc' : 'asc';
      const [rows, total] = await em.findAndCount(ProcedureSchema, { $and: [procedureScope(user), where] }, {
        orderBy: query.sort.endsWith('due')
          ? { dueAt: dir === 'asc' ? 'asc nulls last' : 'desc nulls last', startedAt: 'desc', workflowId: 'asc' }
          : { startedAt: dir, workflowId: 'asc' },
        limit: query.limit,
        offset: query.offset,
      });
      return { status: 200, body: { total, items: rows.map(procedureView) } };
    },
  });

  route({
    method: 'get',
    path: '/procedures/:workflowId',
    tag: 'procedures',
    summary: 'One procedure: its projection and its live state, read through a workflow query',
    access: access.procedure(),
    params: WorkflowIdParam,
    response: {
      status: 200,
      schema: z
        .object({
          procedure: ProcedureRow.nullable(),
          state: z.unknown(),
          items: z.array(ProcedureRow).optional(),
          people: z
            .array(PersonName)
            .optional()
            .openapi({ description: 'The people the state names by personnel number (a cadre selection’s candidates), by name and post; only for types that name people' }),
          temporalUi: z
            .object({
              port: z.number().int().openapi({ description: 'The Web UI’s port (TEMPORAL_UI_PORT), on the host the console is served from' }),
              namespace: z.string().openapi({ description: 'The namespace the API runs the procedure in (TEMPORAL_NAMESPACE)' }),
            })
            .optional()
            .openapi({ description: 'Only for operators (admin, supervisor): where the procedure is in the Temporal Web UI, for the console’s link' }),
        })
        .openapi('ProcedureDetail'),
      description: 'Live state',
    },
    errors: [404, 503],
    handler: async ({ em, params, user }) => {
      const row = await em.findOne(ProcedureSchema, { workflowId: params.workflowId });
      let state: unknown;
      // A query needs a worker; without one, answer 503 rather than hold the request open.
      const query = (): Promise<unknown> => deps.client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => deps.client.workflow.getHandle(params.workflowId).query(stateQuery));
      try {
        try {
          state = await query();
        } catch (err) {
          // A fan-out's child projected ahead of its start: its parent starts it now (api/temporal.ts).
          if (!(fromTemporal(err)?.status === 404 && row?.parentWorkflowId && (await startedByParent(deps, em, params.workflowId)))) throw err;
          state = await query();
        }
      } catch (err) {
        if (err instanceof ApiError) throw err;
        const mapped = fromTemporal(err);
        if (mapped?.status === 404) throw new NotFound('procedure_not_found', `procedure ${params.workflowId} not found`);
        throw new Unavailable('state_unavailable', `the live state of ${params.workflowId} cannot be read now; is a worker running?`);
      }
      // A parent (a feedback, a batch) also lists its children's projections: where each unit stands.
      // The first 200; GET /procedures?parent=<workflowId> pages through all of them.
      const children = row ? await em.find(ProcedureSchema, { $and: [procedureScope(user), { parentWorkflowId: row.workflowId }] }, { orderBy: { workflowId: 'asc' }, limit: 200 }) : [];
      const items = children.length ? children.map(procedureView) : undefined;
      // Whom the state names by personnel number, by name: approvers may not read /people, yet vote on them.
      const type = row?.type ?? (state as { type?: unknown } | null)?.type;
      const descriptor = (PROCEDURES as readonly ProcedureDescriptor[]).find((p) => p.type === type);
      const namedPeople = descriptor?.namedPeople;
      const people = namedPeople ? await personNames(em, namedPeople(state)) : undefined;
      // Personnel data in the state only for those who may read the person's record, and logged.
      state = await personnelShown(em, user, descriptor?.personnelData, state, '/procedures/:workflowId');
      // Operators get where the procedure is in the Temporal Web UI: the configured port, and the client's own namespace.
      const temporalUi = user.roles.some((r) => OPERATORS.includes(r)) ? { port: temporalUiPort(), namespace: deps.client.options.namespace } : undefined;
      return {
        status: 200,
        body: { procedure: row ? procedureView(row) : null, state, ...(items ? { items } : {}), ...(people ? { people } : {}), ...(temporalUi ? { temporalUi } : {}) },
      };
    },
  });

  route({
    method: 'get',
    path: '/procedures/:workflowId/actions',
    tag: 'procedures',
    summary: 'The history of actions on a procedure: who did what, when, on which step',
    access: access.procedure(),
    params: WorkflowIdParam,
    response: { status: 200, schema: z.array(ActionRow), description: 'Oldest first' },
    errors: [404],
    handler: async ({ em, params, user }) => {
      const procedure = await em.findOne(ProcedureSchema, { workflowId: params.workflowId }, { fields: ['type'] });
      if (!procedure) throw new NotFound('procedure_not_found', `procedure ${params.workflowId} not found`);
      const rows = await em.find(ActionLogSchema, { workflowId: params.workflowId }, { orderBy: { seq: 'asc' } });
      // The facts an action's rule was applied to are personnel data, shown as the state's are.
      const data = await actionDataShown(em, user, procedure.type, rows.map((a) => ({ action: a.action, data: a.data ?? null })), '/procedures/:workflowId/actions');
      return {
        status: 200,
        body: rows.map((a, i) => ({
          seq: a.seq,
          taskId: a.taskId,
          step: a.step,
          actorId: a.actorId,
          action: a.action,
          comment: a.comment,
          data: data[i] ?? null,
          at: a.at.toISOString(),
        })),
      };
    },
  });
}
