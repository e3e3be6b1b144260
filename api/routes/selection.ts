import { z } from 'zod';
import { PersonSchema, UnitSchema } from '../../platform/entities';
import { selectionUpdate, stateQuery, workflowIds, type CadreSelectionInput, type SelectionCommand } from '../../workflows/definitions';
import type { cadreSelection } from '../../workflows/cadre-selection';
import { NotFound, Unprocessable } from '../errors';
import { SelectionCommandBody, StartResult, StartSelectionBody, WorkflowIdParam } from '../schemas';
import { procedureTypeOf, sendUpdate, startProcedure } from '../temporal';
import type { RouteContext } from './context';
import { resolveAssigneesNow } from './procedures';

/** The people a command names, which must exist in master data. */
function peopleNamed(c: SelectionCommand): { ids: string[]; field: string } {
  switch (c.action) {
    case 'recordNomination':
      return { ids: [...(c.meeting?.votes ?? []).map((v) => v.personId), ...(c.talks ?? []).map((t) => t.personId)], field: 'meeting.votes / talks' };
    case 'setShortlist':
      return { ids: c.personIds, field: 'personIds' };
    default:
      return { ids: [], field: '' };
  }
}

export function selectionRoutes({ route, deps }: RouteContext): void {
  route({
    method: 'post',
    path: '/procedures/cadreSelection',
    tag: 'cadre selection',
    summary: 'Start a cadre selection (干部选拔任用) with its principles (先定原则)',
    description:
      'The principles go to the leaders’ meeting first; no candidate name can enter until they are approved and frozen. ' +
      'The workflow id is selection-<selectionId>.',
    roles: ['staff'],
    idempotent: true,
    body: StartSelectionBody,
    response: { status: 201, schema: StartResult, description: 'The selection has started' },
    errors: [403, 409, 422],
    handler: async ({ em, body, user }) => {
      if (!(await em.findOne(UnitSchema, { id: body.principles.post.unitId }))) {
        throw new Unprocessable('unknown_unit', `principles.post.unitId: unit ${body.principles.post.unitId} does not exist`, { field: 'principles.post.unitId' });
      }
      await resolveAssigneesNow(em, body.principlesApprovers, 'principlesApprovers');
      const members = await resolveAssigneesNow(em, body.committee, 'committee');
      if (body.principalId && !members.includes(body.principalId)) {
        throw new Unprocessable('invalid_vote_rule', `principalId: ${body.principalId} is not a member of the committee`, { field: 'principalId' });
      }
      const input: CadreSelectionInput = {
        selectionId: body.selectionId,
        title: body.title,
        initiatorId: user.id,
        principles: body.principles,
        principlesApprovers: body.principlesApprovers,
        committee: body.committee,
        ...(body.principalId ? { principalId: body.principalId } : {}),
      };
      return startProcedure<Parameters<typeof cadreSelection>[0]>(deps, 'cadreSelection', {
        workflowId: workflowIds.cadreSelection(body.selectionId),
        input,
        units: [body.principles.post.unitId],
        stage: 'principles',
      });
    },
  });

  route({
    method: 'post',
    path: '/procedures/:workflowId/selection',
    tag: 'cadre selection',
    summary: 'Act on a cadre selection’s stage: nomination, shortlist, inspection, objections, assessment',
    description:
      'Each action belongs to one stage and is checked against the regulation’s rules by the workflow’s Update ' +
      'validator: 2/3 present at a meeting recommendation, 差额, an inspection group of 2+, 凡提四必, the 廉洁 signatures, ' +
      'a postponement of at most 3 months. A refused action leaves no trace. The principles are approved and the votes ' +
      'cast as tasks (POST /tasks/:taskId/actions); the vote is closed with POST /procedures/:workflowId/actions {"action":"closeVote"}.',
    idempotent: true,
    params: WorkflowIdParam,
    body: SelectionCommandBody,
    response: {
      status: 200,
      schema: z.object({ seq: z.number(), action: z.string(), stage: z.string(), status: z.string(), state: z.unknown() }).openapi('SelectionActResult'),
      description: 'The action was taken; state is the selection’s live state after it',
    },
    errors: [403, 404, 409, 422, 503],
    handler: async ({ em, user, params, body, idempotencyKey }) => {
      const type = await procedureTypeOf(em, deps.client, params.workflowId);
      if (type !== 'cadreSelection') throw new NotFound('procedure_not_found', `cadre selection ${params.workflowId} not found`);
      const named = peopleNamed(body);
      if (named.ids.length) {
        const found = new Set((await em.find(PersonSchema, { id: { $in: named.ids } })).map((p) => p.id));
        const missing = named.ids.find((i) => !found.has(i));
        if (missing) throw new Unprocessable('unknown_person', `${named.field}: person ${missing} is not in master data`, { field: named.field });
      }
      const ack = await sendUpdate(deps.client, params.workflowId, selectionUpdate, { ...body, actorId: user.id, actorRoles: user.roles }, `${user.id}:${idempotencyKey}`);
      // The state comes from a query, not the Update's result, which history keeps for every action.
      const state = await deps.client.withDeadline(Date.now() + 15_000, () => deps.client.workflow.getHandle(params.workflowId).query(stateQuery));
      return { status: 200, body: { ...ack, state } };
    },
  });
}
