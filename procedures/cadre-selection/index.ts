/**
 * 干部选拔任用 (先定原则、再商人头): the cadre selection's descriptor and its stage route. Its other routes are in
 * master-data-routes.ts and examination-routes.ts; what the stage route reads before it sends a command, in
 * command-facts.ts.
 */
import path from 'node:path';
import { z } from 'zod';
import { membersOf, resolveAssignees } from '../../api/assignees';
import { personnelShown } from '../../api/authz';
import { NotFound, Unprocessable } from '../../api/errors';
import { sendUpdate } from '../../api/temporal';
import { UnitSchema } from '../../platform/entities';
import { assertInMasterData } from '../../api/master-data';
import { WorkflowIdParam } from '../../api/schemas';
import { defineProcedure } from '../descriptor';
import { stateQuery } from '../kernel/messages';
import { completeVoteRule, MEETING_REFUSAL_STATUS } from '../kernel/vote';
import { createSelectionActivities, recusalsOf, relativesAmong } from './activities';
import { activeCandidates, assertNoPromotionBars, assertWithinEstablishment, assertWithinEstablishmentAtAppointment, integritySigner, peopleNamed, politicalFacts, recommendersOf, selectionState } from './command-facts';
import { examinationRoutes } from './examination-routes';
import { masterDataRoutes } from './master-data-routes';
import {
  CADRE_SELECTION,
  cadreSelectionWorkflowId,
  SELECTION_STATUSES,
  SelectionRefusal,
  selectionUpdate,
  type CadreSelectionInput,
  type SelectionCommand,
  type SelectionState,
} from './messages';
import { overridesRefusal } from './overrides';
import { selectionPersonnel } from './personnel';
import { SelectionCommandBody, StartSelectionBody } from './schemas';

export const cadreSelectionProcedure = defineProcedure({
  type: CADRE_SELECTION,
  label: '干部选拔任用',
  statuses: SELECTION_STATUSES,
  capabilities: { withdraw: false, urge: true, copy: true, closeVote: true, overdue: false },
  refusals: {
    [SelectionRefusal.wrongStage]: 409,
    [SelectionRefusal.principlesNotFrozen]: 409,
    [SelectionRefusal.recommendationBeforePrinciples]: 422,
    [SelectionRefusal.nominationQuorumNotMet]: 422,
    [SelectionRefusal.candidateNotEligible]: 422,
    [SelectionRefusal.shortlistNotCompetitive]: 422,
    [SelectionRefusal.recommendationExpired]: 422,
    [SelectionRefusal.inspectionIncomplete]: 422,
    [SelectionRefusal.postponeTooLong]: 422,
    [SelectionRefusal.politicalExamRequired]: 422,
    [SelectionRefusal.eligibilityDateFixed]: 422,
    [SelectionRefusal.integritySignerNotOfficeHolder]: 403,
    [SelectionRefusal.integritySignerIsCandidate]: 403,
    [SelectionRefusal.integritySameSigner]: 403,
    [SelectionRefusal.postponementNotDue]: 409,
    [SelectionRefusal.voteAlreadyStarted]: 409,
    [SelectionRefusal.reconsiderationNotAgreed]: 422,
    [SelectionRefusal.recusedMember]: 403,
    [SelectionRefusal.overEstablishment]: 422,
    [SelectionRefusal.personalMattersConcealed]: 422,
    [SelectionRefusal.checkPending]: 422,
    [SelectionRefusal.invalidQualificationOverride]: 422,
    ...MEETING_REFUSAL_STATUS,
  },
  start: {
    summary: 'Start a cadre selection (干部选拔任用) with its principles (先定原则)',
    description:
      'The principles go to the leaders’ meeting first; no candidate name can enter until they are approved and frozen. ' +
      'The workflow id is selection-<selectionId>.',
    body: StartSelectionBody,
    plan: async ({ em, user, body }) => {
      // The rule the workflow applies to a revision, before anything is read or started.
      const badOverride = overridesRefusal(body.principles);
      if (badOverride) throw new Unprocessable(badOverride.code, badOverride.message, badOverride.details);
      if (!(await em.findOne(UnitSchema, { id: body.principles.post.unitId }))) {
        throw new Unprocessable('unknown_unit', 'principles.post.unitId: the unit does not exist', { field: 'principles.post.unitId' });
      }
      await assertWithinEstablishment(em, body.principles);
      const assignees = await resolveAssignees(em, [
        { rule: body.principlesApprovers, field: 'principlesApprovers' },
        { rule: body.committee, field: 'committee' },
      ]);
      // The principal is a member of the committee: the same check the vote step relies on.
      const { problem } = completeVoteRule(body.principalId ? { principalId: body.principalId } : undefined, membersOf(assignees, body.committee));
      if (problem) throw new Unprocessable('invalid_vote_rule', `principalId: ${problem.message}`, { field: 'principalId' });
      const input: CadreSelectionInput = {
        selectionId: body.selectionId,
        title: body.title,
        initiatorId: user.id,
        principles: body.principles,
        principlesApprovers: body.principlesApprovers,
        committee: body.committee,
        ...(body.principalId ? { principalId: body.principalId } : {}),
        assignees,
      };
      return { workflowId: cadreSelectionWorkflowId(body.selectionId), input, units: [body.principles.post.unitId], stage: 'principles' };
    },
  },
  activities: createSelectionActivities,
  // The committee votes on its candidates; the console shows them by name (GET /procedures/:workflowId people).
  namedPeople: (state) => ((state as Partial<SelectionState> | null)?.candidates ?? []).map((c) => c.personId),
  personnelData: selectionPersonnel,
  routes: ({ route, deps }) => {
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
        if (!params.workflowId.startsWith(cadreSelectionWorkflowId(''))) throw new NotFound('procedure_not_found', 'no such cadre selection');
        const named = peopleNamed(body);
        await assertInMasterData(em, named.ids.map((id) => ({ kind: 'person', id, field: named.field })), 'a person is not in master data');
        let command: SelectionCommand = body;
        if (body.action === 'completeInspection') {
          // The 任前政治体检 facts, only when the frozen principles require the gate (otherwise the command is as before).
          const live = await selectionState(deps, params.workflowId);
          if (live.frozen[live.frozen.length - 1]?.principles.politicalExam) command = { ...body, politicalFacts: await politicalFacts(em, activeCandidates(live)) };
        }
        if (body.action === 'recordNomination' && recommendersOf(body).length) {
          // Only when recommenders are named, so a nomination without them is the command it always was.
          const candidates = [...(body.meeting?.votes ?? []).map((v) => v.personId), ...(body.talks ?? []).map((t) => t.personId)];
          command = { ...body, recommenderRecusals: await relativesAmong(em, recommendersOf(body), candidates) };
        }
        if (body.action === 'signIntegrity') command = { ...body, signer: await integritySigner(em, body.signedBy, body.personId) };
        if (body.action === 'revisePrinciples') await assertWithinEstablishment(em, body.principles);
        // 影响期 as of the promotion: on the meeting's date for the candidates of the vote it opens, and on the appointment date.
        if (body.action === 'openMeeting' || body.action === 'recordAppointment') {
          const live = await selectionState(deps, params.workflowId);
          if (body.action === 'openMeeting' && live.stage === 'decision') await assertNoPromotionBars(em, live.currentStep?.vote?.candidates ?? [], body.date, 'decision');
          if (body.action === 'recordAppointment' && live.stage === 'appointment') {
            await assertNoPromotionBars(em, [body.personId], body.appointedOn, 'appointment');
            // 职数 as it stands at the appointment (the start's check may be months old), under the principles in force.
            const inForce = live.frozen[live.frozen.length - 1]?.principles ?? live.principles;
            await assertWithinEstablishmentAtAppointment(em, inForce, body.personId, live.candidates.filter((c) => c.appointment).map((c) => c.personId));
          }
        }
        if (body.action === 'recordInspection') {
          const live = await selectionState(deps, params.workflowId);
          command = { ...body, groupRecusals: await recusalsOf(em, body.group, activeCandidates(live)) };
        }
        const ack = (await sendUpdate(deps, em, params.workflowId, selectionUpdate, { ...command, actorId: user.id, actorRoles: user.roles }, `${user.id}:${idempotencyKey}`)) as unknown as { seq: number; action: string; stage: string; status: string };
        // The state comes from a query, not the Update's result, which history keeps for every action.
        const state = await deps.client.withDeadline(Date.now() + 15_000, () => deps.client.workflow.getHandle(params.workflowId).query(stateQuery));
        // The candidates' personnel data is shown as GET /procedures/:workflowId shows it.
        const shown = await personnelShown(em, user, selectionPersonnel, state, '/procedures/:workflowId/selection');
        return { status: 200, body: { seq: ack.seq, action: ack.action, stage: ack.stage, status: ack.status, state: shown } };
      },
    });

    masterDataRoutes({ route });
    examinationRoutes({ route, deps });
  },
  historiesDir: path.join(__dirname, 'histories'),
  histories: [
    { file: 'cadre-selection.json', endsAt: { activity: 'computeProbationEnd' } },
    // Issue 11's paths (recorded by test/api/cadre-selection-outcomes.api.test.ts with RECORD_HISTORIES=1).
    { file: 'cadre-selection-postponed.json', endsAt: 'completed' },
    { file: 'cadre-selection-reconsidered.json', endsAt: { activity: 'computeProbationEnd' } },
    { file: 'cadre-selection-deferred.json', endsAt: { activity: 'computeNoticePeriod' } },
    { file: 'cadre-selection-renominated.json', endsAt: { activity: 'checkCandidates' } },
    { file: 'cadre-selection-appointed.json', endsAt: 'completed' },
    // The committee's meeting recorded (patch selection-meeting); six members vote, the initiator closes the vote (two
    // ballots not cast), the principal votes last and the notice opens (test/api/cadre-selection-outcomes.api.test.ts).
    { file: 'cadre-selection-vote-closed-early.json', endsAt: { activity: 'computeNoticePeriod' } },
  ],
});
