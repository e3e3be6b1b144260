/**
 * The selection's 任前政治体检: the gate as it reads now, and a candidate's political examination started from
 * the selection (through the examination module's own start plan) and linked to it.
 */
import { z } from 'zod';
import { Conflict } from '../../api/errors';
import type { RouteContext } from '../../api/routes/context';
import { id, StartResult, text, WorkflowIdParam } from '../../api/schemas';
import { sendUpdate, startProcedure } from '../../api/temporal';
import { chinaDateOf } from '../../domain/dates';
import { politicalExaminationProcedure } from '../political-examination';
import { POLITICAL_EXAMINATION, politicalExaminationWorkflowId } from '../political-examination/messages';
import { activeCandidates, politicalFacts, selectionState } from './command-facts';
import { selectionUpdate } from './messages';
import { politicalGateReadings } from './political-gate';
import { PoliticalGateView } from './schemas';

const examinationStart = politicalExaminationProcedure.start;
if (!examinationStart) throw new Error('the political examination module has no start plan');

/** Starting a candidate's examination from the selection: the examination's own start body, its subject the candidate. */
const StartSelectionExaminationBody = examinationStart.body
  .omit({ subject: true, examinationId: true, title: true })
  .extend({
    personId: id.openapi({ description: 'The candidate (干部编号) to examine' }),
    userId: id.openapi({ description: 'The candidate’s own user account: the one who acknowledges the feedback' }),
    examinationId: id.optional().openapi({ description: 'Business key of the examination; default <selectionId>-<personId>' }),
    title: text(200).optional().openapi({ description: 'Default: 任前政治体检, the selection’s title and its workflow id' }),
  })
  .strict()
  .openapi('StartSelectionExamination');

/** GET /procedures/:workflowId/selection/political-gate, POST /procedures/:workflowId/selection/political-examination. */
export const examinationRoutes = ({ route, deps }: Pick<RouteContext, 'route' | 'deps'>): void => {
  route({
    method: 'get',
    path: '/procedures/:workflowId/selection/political-gate',
    tag: 'cadre selection',
    summary: 'The 任前政治体检 gate of a selection: each candidate fresh, missing, expired or poor, from the political-quality files now',
    description:
      'Read with the same rule completeInspection applies (politicalGateProblem). When the frozen principles do not require the gate, ' +
      '`required` is false and no candidate is listed. `examinations` are the examinations started from the selection.',
    params: WorkflowIdParam,
    response: { status: 200, schema: PoliticalGateView, description: 'The gate as it reads today' },
    errors: [404, 503],
    handler: async ({ em, params }) => {
      const live = await selectionState(deps, params.workflowId);
      const requirement = live.frozen[live.frozen.length - 1]?.principles.politicalExam;
      const today = chinaDateOf(new Date());
      const ids = activeCandidates(live);
      const candidates = requirement ? politicalGateReadings(ids, await politicalFacts(em, ids), requirement, today) : [];
      return { status: 200, body: { required: !!requirement, months: requirement?.months ?? null, today, candidates, examinations: live.examinations ?? [] } };
    },
  });

  route({
    method: 'post',
    path: '/procedures/:workflowId/selection/political-examination',
    tag: 'cadre selection',
    summary: 'Start a candidate’s political examination (政治素质考察) from the selection, for the 任前政治体检',
    description:
      'Starts a politicalExamination of the candidate through the examination module’s own start plan (the same checks, the same ' +
      '201), and records it on the selection (action linkExamination, listed in state.examinations and the gate). The candidate must ' +
      'be in the selection, which must be at nomination, shortlist or inspection. Its workflow id is political-<examinationId>.',
    roles: ['staff'],
    idempotent: true,
    params: WorkflowIdParam,
    body: StartSelectionExaminationBody,
    response: {
      status: 201,
      schema: z.object({ examination: StartResult, selection: z.object({ seq: z.number(), examinations: PoliticalGateView.shape.examinations }) }).openapi('SelectionExaminationStarted'),
      description: 'The examination has started and is linked to the selection',
    },
    errors: [403, 404, 409, 422, 503],
    handler: async ({ em, user, params, body, idempotencyKey }) => {
      const live = await selectionState(deps, params.workflowId);
      const { personId, userId, examinationId = `${live.selectionId}-${personId}`, title = `任前政治体检 · ${live.title}（${params.workflowId}）`, ...rest } = body;
      // The examination's own start plan: master data, plan rules, assignees. Nothing has happened yet if it refuses.
      const plan = await examinationStart.plan({ em, user, body: { ...rest, examinationId, title, subject: { kind: 'cadre', personId, userId } } });
      const examinationWorkflowId = politicalExaminationWorkflowId(examinationId);
      // Recorded on the selection first, so its Update validator (a candidate still in it, a stage before
      // the decision) refuses before anything starts; a retry with the same key finds the Update
      // deduplicated and starts what a failed first attempt did not.
      const exists = await deps.client.workflow
        .getHandle(examinationWorkflowId)
        .describe()
        .then(
          () => true,
          () => false,
        );
      if (exists) throw new Conflict('procedure_exists', `a procedure with workflow id ${examinationWorkflowId} already exists`, { field: 'examinationId' });
      const link = (await sendUpdate(
        deps,
        em,
        params.workflowId,
        selectionUpdate,
        { action: 'linkExamination', personId, examinationWorkflowId, actorId: user.id, actorRoles: user.roles },
        `${user.id}:${idempotencyKey}:link`,
      )) as unknown as { seq: number };
      const started = await startProcedure(deps, em, POLITICAL_EXAMINATION, plan);
      const after = await selectionState(deps, params.workflowId);
      return { status: 201, body: { examination: started.body, selection: { seq: link.seq, examinations: after.examinations ?? [] } } };
    },
  });
};
