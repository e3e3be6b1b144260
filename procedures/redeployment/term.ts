/**
 * 揭榜出征 term (任期) descriptor: one dispatched cadre's term, a child of the list (`redeployment`),
 * which starts it through the kernel fan-out, so it has no start route of its own. Reports,
 * confirmations and assessments are task actions (POST /tasks/:taskId/actions, the verbs below); the
 * department's early termination is its own command route.
 */
import path from 'node:path';
import { z } from 'zod';
import { NotFound } from '../../api/errors';
import { ActResult, comment, text, WorkflowIdParam } from '../../api/schemas';
import { sendUpdate } from '../../api/temporal';
import { defineProcedure } from '../descriptor';
import { createTermActivities } from './term-activities';
import { REDEPLOYMENT_TERM, TERM_GRADES, TERM_STATUSES, TERMINATION_REASONS, TermAction, TermRefusal, termUpdate } from './term-messages';

const achievements = z.array(text(500)).max(100).openapi({ description: 'The achievements of the term, one per entry (优秀 lists at least one)' });

/** The term's task verbs: the cadre's report, the host unit's confirmation, the assessments. */
export const TERM_ACT_BODIES = [
  z
    .object({
      action: z.literal(TermAction.report),
      comment,
      data: z.object({ summary: text(8000), achievements: z.array(text(500)).max(100).optional(), problems: z.string().trim().max(4000).optional() }).strict(),
    })
    .strict()
    .openapi({ description: 'The cadre’s progress report for one period (only the cadre files it)' }),
  z.object({ action: z.literal(TermAction.confirm), comment }).strict().openapi({ description: 'The host unit confirms a report (it may return it instead, with a reason)' }),
  z
    .object({
      action: z.literal(TermAction.assess),
      comment,
      data: z.object({ grade: z.enum(TERM_GRADES), achievements, comment: z.string().trim().max(4000).optional(), followUp: z.string().trim().max(4000).optional() }).strict(),
    })
    .strict()
    .openapi({ description: 'The term-end assessment by the host unit, then the department (final); 不合格 from the department records the follow-up' }),
] as const;

export const TermCommandBody = z
  .discriminatedUnion('action', [
    z.object({ action: z.literal('terminate'), reason: z.enum(TERMINATION_REASONS), note: z.string().trim().max(2000).optional() }).strict().openapi({ description: 'End the term early, with a reason' }),
  ])
  .openapi('TermCommand');

export const redeploymentTermProcedure = defineProcedure({
  type: REDEPLOYMENT_TERM,
  label: '揭榜出征任期',
  statuses: TERM_STATUSES,
  capabilities: { withdraw: false, urge: true, copy: true, closeVote: false, overdue: true },
  refusals: {
    [TermRefusal.notCadre]: 422,
    [TermRefusal.invalidReport]: 422,
    [TermRefusal.termNotEnded]: 422,
    [TermRefusal.gradeNotInSet]: 422,
    [TermRefusal.assessmentIncomplete]: 422,
    [TermRefusal.notDepartment]: 403,
    [TermRefusal.invalidReason]: 422,
    [TermRefusal.termClosed]: 409,
  },
  actBodies: TERM_ACT_BODIES,
  activities: createTermActivities,
  routes: ({ route, deps }) => {
    route({
      method: 'post',
      path: '/procedures/:workflowId/term',
      tag: 'redeployment',
      summary: 'The department’s command on a 揭榜出征 term: end it early, with a reason (health, misconduct, taskEnded)',
      description:
        'While the term runs its reports, the organization department (staff or approvers of the department unit) may end it: every open ' +
        'report task closes, no later period opens, and the assessment (host unit, then department) opens at once. A refused command leaves no trace.',
      idempotent: true,
      params: WorkflowIdParam,
      body: TermCommandBody,
      response: { status: 200, schema: ActResult.extend({ seq: z.number() }).openapi('TermActResult'), description: 'The command was taken: the answer of an action, and its seq' },
      errors: [403, 404, 409, 422, 503],
      handler: async ({ em, user, params, body, idempotencyKey }) => {
        // Terms are named redeployment-<listId>-t<taskId>-<personId>; anything else is not a term.
        if (!/^redeployment-.+-t.+-.+$/.test(params.workflowId)) throw new NotFound('procedure_not_found', 'no such term');
        const ack = await sendUpdate(deps, em, params.workflowId, termUpdate, { ...body, actorId: user.id, actorRoles: user.roles, actorUnitId: user.unitId }, `${user.id}:${idempotencyKey}`);
        return { status: 200, body: ack };
      },
    });
  },
  historiesDir: path.join(__dirname, 'histories'),
  histories: [
    { file: 'redeployment-term.json', endsAt: 'completed' },
    // A report missed: reminded, overdue, the supervision notice; then assessed 不合格.
    { file: 'redeployment-term-overdue.json', endsAt: 'completed' },
  ],
});
