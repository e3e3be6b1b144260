/** 通用审批: the generic approval request's descriptor. */
import path from 'node:path';
import { membersOf, resolveAssignees } from '../../api/assignees';
import { assertUsersInScope } from '../../api/authz';
import { BadRequest, Unprocessable } from '../../api/errors';
import { defineProcedure } from '../descriptor';
import { unitsOf } from '../kernel/rules';
import { APPROVAL_REQUEST, APPROVAL_REQUEST_STATUSES, approvalRequestWorkflowId, type ApprovalRequestInput } from './messages';
import { approvalInputProblem, requestOpening } from './rules';
import { StartApprovalRequestBody } from './schemas';

export const approvalRequestProcedure = defineProcedure({
  type: APPROVAL_REQUEST,
  label: '通用审批',
  statuses: APPROVAL_REQUEST_STATUSES,
  capabilities: { withdraw: true, urge: true, copy: true, closeVote: true, overdue: false },
  refusals: {},
  start: {
    summary: 'Start a generic approval request (通用审批) routed through the steps it lists',
    description:
      'Each step is sequential (依次), all (会签), any (或签) or vote (票决, with candidates and a vote rule). ' +
      'Every step but the first may return to an earlier one. The workflow id is approval-<requestId>. ' +
      'The answer lists the first tasks, already in the inbox.',
    body: StartApprovalRequestBody,
    plan: async ({ em, user, body }) => {
      // Shape first (a 400 names the field), then master data and the vote rules (422).
      const shape = approvalInputProblem(body.steps);
      if (shape) throw new BadRequest('validation_error', `${shape.field}: ${shape.message}`, { issues: [shape] });
      const assignees = await resolveAssignees(
        em,
        body.steps.map((s, i) => ({ rule: s.assignees, field: `steps[${i}].assignees` })),
      );
      // A step naming users belongs to their units: the starter's scope must hold those too (403 out_of_scope),
      // as the route checks it for the units the steps name.
      await assertUsersInScope(
        em,
        user,
        body.steps.flatMap((s, i) => (s.assignees.kind === 'user' ? [{ userId: s.assignees.userId, field: `steps[${i}].assignees` }] : [])),
      );
      const rules = approvalInputProblem(body.steps, (i) => membersOf(assignees, body.steps[i]?.assignees ?? { kind: 'user', userId: '' }));
      if (rules) throw new Unprocessable('invalid_vote_rule', `${rules.field}: ${rules.message}`, { field: rules.field });
      const input: ApprovalRequestInput = { requestId: body.requestId, title: body.title, initiatorId: user.id, steps: body.steps, assignees };
      return {
        workflowId: approvalRequestWorkflowId(body.requestId),
        input,
        units: unitsOf(body.steps.map((s) => s.assignees)),
        stage: body.steps[0]?.key ?? '',
        opening: requestOpening,
      };
    },
  },
  historiesDir: path.join(__dirname, 'histories'),
  histories: [
    { file: 'approval-request-vote.json', endsAt: 'completed' },
    // Opened by the API (api/temporal.ts startOpened): the run writes its opening again and resumes the step.
    { file: 'approval-request-opened.json', endsAt: 'completed' },
    // A 或签 step (one shared task, the first approval ends it) then a 依次 step (test/workflows/approval-modes.test.ts).
    { file: 'approval-request-any-sequential.json', endsAt: 'completed' },
  ],
});
