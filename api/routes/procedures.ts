import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { assertCovered, CalendarNotCoveredError } from '../../domain/calendar';
import { defaultDueDate, dueDateProblem } from '../../domain/rectification';
import { loadOverrides } from '../../platform/calendar-store';
import { ActionLogSchema, AppUserSchema, ProcedureSchema, UnitSchema, type Procedure } from '../../platform/entities';
import {
  stateQuery,
  workflowIds,
  type ApprovalRequestInput,
  type ApprovalStepInput,
  type AssigneeRule,
  type Problem as ProblemInput,
  type RectificationInput,
} from '../../workflows/definitions';
import type { approvalRequest } from '../../workflows/approval-request';
import { DEFAULT_VOTE_RULE } from '../../workflows/lib/vote';
import type { rectification } from '../../workflows/rectification';
import { NotFound, Unavailable, Unprocessable, fromTemporal } from '../errors';
import { startProcedure } from '../temporal';
import {
  ActionRow,
  ListQuery,
  ProcedureList,
  ProcedureRow,
  StartApprovalRequestBody,
  StartRectificationBody,
  StartResult,
  WorkflowIdParam,
} from '../schemas';
import type { RouteContext } from './context';

const QUERY_DEADLINE_MS = 15_000;

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

/**
 * Who an assignment rule names in master data today. The API refuses a rule that names nobody:
 * its step would wait for master data that may never come.
 */
export async function resolveAssigneesNow(em: EntityManager, rule: AssigneeRule, field: string): Promise<string[]> {
  if (rule.kind === 'user') {
    if (!(await em.findOne(AppUserSchema, { id: rule.userId }))) {
      throw new Unprocessable('unknown_user', `${field}.userId: user ${rule.userId} does not exist`, { field: `${field}.userId` });
    }
    return [rule.userId];
  }
  const unit = await em.findOne(UnitSchema, { id: rule.unitId });
  if (!unit) throw new Unprocessable('unknown_unit', `${field}.unitId: unit ${rule.unitId} does not exist`, { field: `${field}.unitId` });
  const ids =
    rule.kind === 'unitHead'
      ? unit.headUserId
        ? [unit.headUserId]
        : []
      : (await em.find(AppUserSchema, { unitId: rule.unitId, roles: { $contains: [rule.role] } })).map((u) => u.id);
  if (ids.length === 0) throw new Unprocessable('no_assignee', `${field}: nobody in master data matches ${JSON.stringify(rule)}`, { field });
  return ids;
}

export function procedureRoutes({ route, deps }: RouteContext): void {
  route({
    method: 'post',
    path: '/procedures/rectification',
    tag: 'procedures',
    summary: 'Open a rectification case (巡视整改) from an inspection’s feedback',
    description:
      'Each problem is assigned to one or more units (同题共答); every unit’s item runs as its own child procedure. ' +
      'A missing due date defaults from the difficulty grade.',
    roles: ['staff'],
    idempotent: true,
    body: StartRectificationBody,
    response: { status: 201, schema: StartResult, description: 'The procedure has started' },
    errors: [403, 409, 422],
    handler: async ({ em, body, user }) => {
      // References to master data and the deadline rules: well-formed input that a rule refuses.
      const unitIds = new Set([
        body.inspectionOfficeUnitId,
        ...body.problems.flatMap((p) => [p.leadUnitId, ...p.assignments.map((a) => a.unitId)]),
      ]);
      const known = new Set((await em.find(UnitSchema, { id: { $in: [...unitIds] } })).map((u) => u.id));
      const unknown = (field: string, idValue: string) =>
        new Unprocessable('unknown_unit', `${field}: unit ${idValue} does not exist`, { field });
      if (!known.has(body.inspectionOfficeUnitId)) throw unknown('inspectionOfficeUnitId', body.inspectionOfficeUnitId);
      // Years loaded through PUT /calendar/years/:year are covered too.
      const calendar = await loadOverrides(em);
      const problems: ProblemInput[] = body.problems.map((p, pi) => {
        if (!known.has(p.leadUnitId)) throw unknown(`problems[${pi}].leadUnitId`, p.leadUnitId);
        return {
          no: p.no,
          title: p.title,
          ...(p.description ? { description: p.description } : {}),
          difficulty: p.difficulty,
          leadUnitId: p.leadUnitId,
          assignments: p.assignments.map((a, ai) => {
            const field = `problems[${pi}].assignments[${ai}]`;
            if (!known.has(a.unitId)) throw unknown(`${field}.unitId`, a.unitId);
            const dueDate = a.dueDate ?? defaultDueDate(body.feedbackDate, p.difficulty);
            const problem = dueDateProblem(body.feedbackDate, dueDate);
            if (problem) throw new Unprocessable('invalid_due_date', `${field}.dueDate: ${dueDate} ${problem}`, { field: `${field}.dueDate` });
            try {
              assertCovered(dueDate, calendar);
            } catch (err) {
              if (err instanceof CalendarNotCoveredError) {
                throw new Unprocessable('calendar_not_covered', `${field}.dueDate: ${err.message}`, { field: `${field}.dueDate`, year: err.year });
              }
              throw err;
            }
            return { unitId: a.unitId, dueDate };
          }),
        };
      });
      const input: RectificationInput = {
        feedbackId: body.feedbackId,
        title: body.title,
        inspectionGroup: body.inspectionGroup,
        feedbackDate: body.feedbackDate,
        inspectionOfficeUnitId: body.inspectionOfficeUnitId,
        initiatorId: user.id,
        problems,
      };
      return startProcedure<Parameters<typeof rectification>[0]>(deps, 'rectification', {
        workflowId: workflowIds.rectification(body.feedbackId),
        input,
        units: problems.flatMap((p) => p.assignments.map((a) => a.unitId)),
        stage: 'rectifying',
        items: problems.flatMap((p) => p.assignments.map((a) => workflowIds.rectificationItem(body.feedbackId, p.no, a.unitId))),
      });
    },
  });

  route({
    method: 'post',
    path: '/procedures/approvalRequest',
    tag: 'procedures',
    summary: 'Start a generic approval request (通用审批) routed through the steps it lists',
    description:
      'Each step is sequential (依次), all (会签), any (或签) or vote (票决, with candidates and a vote rule). ' +
      'Every step but the first may return to an earlier one. The workflow id is approval-<requestId>.',
    roles: ['staff'],
    idempotent: true,
    body: StartApprovalRequestBody,
    response: { status: 201, schema: StartResult, description: 'The request has started' },
    errors: [403, 409, 422],
    handler: async ({ em, body, user }) => {
      // Master data the steps name must exist, and each step must resolve to somebody now;
      // otherwise the step would wait for master data that may never come.
      const members = (rule: AssigneeRule, field: string): Promise<string[]> => resolveAssigneesNow(em, rule, field);
      const steps: ApprovalStepInput[] = [];
      for (const [i, s] of body.steps.entries()) {
        const field = `steps[${i}]`;
        const ids = await members(s.assignees, `${field}.assignees`);
        const step: ApprovalStepInput = { key: s.key, name: s.name, mode: s.mode, assignees: s.assignees };
        if (s.mode === 'vote') {
          const principalId = s.voteRule?.principalId;
          if (principalId !== undefined && !ids.includes(principalId)) {
            throw new Unprocessable('invalid_vote_rule', `${field}.voteRule.principalId: ${principalId} is not a member of this vote`, {
              field: `${field}.voteRule.principalId`,
            });
          }
          step.candidates = s.candidates ?? [];
          step.voteRule = {
            quorum: s.voteRule?.quorum ?? DEFAULT_VOTE_RULE.quorum,
            pass: s.voteRule?.pass ?? DEFAULT_VOTE_RULE.pass,
            ...(principalId !== undefined ? { principalId } : {}),
          };
        }
        steps.push(step);
      }
      const input: ApprovalRequestInput = { requestId: body.requestId, title: body.title, initiatorId: user.id, steps };
      return startProcedure<Parameters<typeof approvalRequest>[0]>(deps, 'approvalRequest', {
        workflowId: workflowIds.approvalRequest(body.requestId),
        input,
        units: steps.flatMap((s) => ('unitId' in s.assignees ? [s.assignees.unitId] : [])),
        stage: steps[0]?.key ?? '',
      });
    },
  });

  route({
    method: 'get',
    path: '/procedures',
    tag: 'procedures',
    summary: 'List procedures, filtered by type, unit, status, overdue or parent',
    query: ListQuery,
    response: { status: 200, schema: ProcedureList, description: 'Newest first' },
    handler: async ({ em, query }) => {
      const where: Record<string, unknown> = {};
      if (query.type) where.type = query.type;
      if (query.status) where.status = query.status;
      if (query.overdue !== undefined) where.overdue = query.overdue;
      if (query.parent) where.parentWorkflowId = query.parent;
      if (query.unit) where.unitIds = { $overlap: [query.unit] };
      const [rows, total] = await em.findAndCount(ProcedureSchema, where, {
        orderBy: { startedAt: 'desc', workflowId: 'asc' },
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
    params: WorkflowIdParam,
    response: {
      status: 200,
      schema: z
        .object({ procedure: ProcedureRow.nullable(), state: z.unknown(), items: z.array(ProcedureRow).optional() })
        .openapi('ProcedureDetail'),
      description: 'Live state',
    },
    errors: [404, 503],
    handler: async ({ em, params }) => {
      const row = await em.findOne(ProcedureSchema, { workflowId: params.workflowId });
      let state: unknown;
      try {
        // A query needs a worker; without one, answer 503 rather than hold the request open.
        state = await deps.client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () =>
          deps.client.workflow.getHandle(params.workflowId).query(stateQuery),
        );
      } catch (err) {
        const mapped = fromTemporal(err);
        if (mapped?.status === 404) throw new NotFound('procedure_not_found', `procedure ${params.workflowId} not found`);
        throw new Unavailable('state_unavailable', `the live state of ${params.workflowId} cannot be read now; is a worker running?`);
      }
      // A feedback also lists its items' projections: where each unit stands, and whether it is overdue.
      const items = row?.type === 'rectification'
        ? (await em.find(ProcedureSchema, { parentWorkflowId: row.workflowId }, { orderBy: { workflowId: 'asc' } })).map(procedureView)
        : undefined;
      return { status: 200, body: { procedure: row ? procedureView(row) : null, state, ...(items ? { items } : {}) } };
    },
  });

  route({
    method: 'get',
    path: '/procedures/:workflowId/actions',
    tag: 'procedures',
    summary: 'The history of actions on a procedure: who did what, when, on which step',
    params: WorkflowIdParam,
    response: { status: 200, schema: z.array(ActionRow), description: 'Oldest first' },
    errors: [404],
    handler: async ({ em, params }) => {
      const exists = await em.count(ProcedureSchema, { workflowId: params.workflowId });
      if (!exists) throw new NotFound('procedure_not_found', `procedure ${params.workflowId} not found`);
      const rows = await em.find(ActionLogSchema, { workflowId: params.workflowId }, { orderBy: { seq: 'asc' } });
      return {
        status: 200,
        body: rows.map((a) => ({
          seq: a.seq,
          taskId: a.taskId,
          step: a.step,
          actorId: a.actorId,
          action: a.action,
          comment: a.comment,
          data: a.data ?? null,
          at: a.at.toISOString(),
        })),
      };
    },
  });
}
