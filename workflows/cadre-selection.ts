/**
 * Cadre selection (干部选拔任用) under 先定原则、再商人头 (DOMAIN.md §1): the principles are approved
 * and frozen before any name enters; then nomination, shortlist, inspection with 凡提四必, the
 * committee's vote, the public notice and a one-year probation. The rules are enforced by the
 * Update validators, so a refused action leaves no trace. The workflow lives for about a year.
 */
import { allHandlersFinished, condition, log, setHandler, sleep, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { addMonths, chinaDateOf } from '../domain/dates';
import { DEFAULT_SELECTION_RULES } from '../domain/selection';
import {
  closeVoteUpdate,
  FOUR_MUSTS,
  Refusal,
  SearchAttr,
  selectionUpdate,
  stateQuery,
  type ActionRecord,
  type CadreSelectionInput,
  type CandidateView,
  type CloseVoteInput,
  type ManageResult,
  type NoticePeriod,
  type SelectionActInput,
  type SelectionAck,
  type SelectionResult,
  type SelectionStage,
  type SelectionState,
} from './definitions';
import { acts } from './lib/activities';
import { createApprovalFlow, type StepDef } from './lib/approval';
import { registerActHandler } from './lib/act';
import { refuse } from './lib/refuse';
import { waitUntil } from './lib/time';
import { DEFAULT_VOTE_RULE, meetsQuorum, type VoteTally } from './lib/vote';

type FlowStep = 'principles' | 'decision';

export async function cadreSelection(input: CadreSelectionInput): Promise<SelectionResult> {
  const info = workflowInfo();
  const workflowId = info.workflowId;
  const rules = DEFAULT_SELECTION_RULES;

  const state: SelectionState = {
    type: 'cadreSelection',
    workflowId,
    selectionId: input.selectionId,
    title: input.title,
    initiatorId: input.initiatorId,
    stage: 'principles',
    status: 'open',
    principles: input.principles,
    frozen: [],
    nomination: null,
    inspection: null,
    candidates: [],
    decisionTally: null,
    notice: null,
    probationEndsAt: null,
    currentTask: null,
    openTasks: [],
    actions: [],
  };
  let actionSeq = 0;
  const nextSeq = (): number => ++actionSeq;
  const today = (): string => chinaDateOf(new Date());

  const decisionStep: StepDef<FlowStep> = {
    key: 'decision',
    mode: 'vote',
    assignees: input.committee,
    approveActions: ['vote'],
    canReturn: false,
    candidates: [],
    // The regulation's rule: quorum 2/3 of members, pass with 同意 of more than half of 应到; the principal votes last.
    voteRule: { ...DEFAULT_VOTE_RULE, ...(input.principalId ? { principalId: input.principalId } : {}) },
  };
  const flow = createApprovalFlow<FlowStep>({
    workflowId,
    procedureType: 'cadreSelection',
    steps: [
      { key: 'principles', mode: 'all', assignees: input.principlesApprovers, approveActions: ['approve'], canReturn: false },
      decisionStep,
    ],
    acts,
    dueAt: () => null,
  });

  const setStage = (stage: SelectionStage): void => {
    state.stage = stage;
    upsertSearchAttributes([{ key: SearchAttr.stage, value: stage }]);
  };
  const candidate = (personId: string): CandidateView | undefined => state.candidates.find((c) => c.personId === personId);
  const active = (): CandidateView[] => state.candidates.filter((c) => c.shortlisted && !c.removed);
  const frozen = () => state.frozen[state.frozen.length - 1];
  let revising: { reason: string } | null = null;

  setHandler(stateQuery, () => {
    const open = flow.openTasks();
    return { ...state, openTasks: open, currentTask: open[0] ?? null };
  });

  // Tasks of the two approval steps: approving the principles, and the committee's votes.
  registerActHandler({
    flow,
    noun: 'selection',
    status: () => state.status,
    stage: () => state.stage,
    record: (r) => state.actions.push(r),
    nextSeq,
    // The step's next tasks are open, or it ended and the stage moves on to staff actions.
    settled: () => flow.isSettled() || flow.view() === null,
    resultStatus: () => (state.status === 'open' ? 'open' : 'signedOff'),
  });

  setHandler(
    closeVoteUpdate,
    async (c: CloseVoteInput): Promise<ManageResult> => {
      const seq = nextSeq();
      const at = new Date().toISOString();
      state.actions.push({ seq, taskId: null, step: 'decision', actorId: c.actorId, action: 'closeVote', at, ...(c.comment ? { comment: c.comment } : {}) });
      await acts.recordAction({ workflowId, seq, taskId: null, step: 'decision', actorId: c.actorId, action: 'closeVote', comment: c.comment, at });
      await flow.closeVote(c.actorId, at);
      // The principal may still have to vote; otherwise the decision is taken.
      await condition(() => state.stage !== 'decision' || flow.openTasks().length > 0);
      return { action: 'closeVote', status: state.status === 'open' ? 'open' : 'signedOff', notified: [] };
    },
    {
      validator: (c: CloseVoteInput) => {
        if (state.stage !== 'decision') throw refuse(Refusal.wrongStage, 'there is no vote to close');
        if (c.actorId !== input.initiatorId) throw refuse(Refusal.notAllowed, 'only the initiator, who organizes the meeting, can close the vote');
        flow.validateCloseVote();
      },
    },
  );

  // --- Staff actions on the stages. Every rule is checked here, synchronously.
  const validate = (a: SelectionActInput): void => {
    if (state.status !== 'open') throw refuse(Refusal.wrongStage, 'the selection is closed');
    if (a.actorId !== input.initiatorId && !a.actorRoles.includes('staff')) throw refuse(Refusal.notAllowed, 'only the initiator or staff (role staff) act on the stages');
    const stageIs = (...stages: SelectionStage[]) => {
      if (!stages.includes(state.stage)) throw refuse(Refusal.wrongStage, `${a.action} belongs to the ${stages.join(' or ')} stage; the selection is at ${state.stage}`);
    };
    const known = (personId: string): CandidateView => {
      const c = candidate(personId);
      if (!c) throw refuse(Refusal.invalidInput, `${personId} was not nominated`, { field: 'personId' });
      return c;
    };
    switch (a.action) {
      case 'revisePrinciples':
        if (!frozen()) throw refuse(Refusal.wrongStage, 'the principles are not frozen yet; they are still being approved');
        stageIs('nomination', 'shortlist', 'inspection');
        if (!a.reason.trim()) throw refuse(Refusal.invalidInput, 'changing frozen principles needs a reason', { field: 'reason' });
        return;
      case 'recordNomination': {
        if (state.stage === 'principles') throw refuse(Refusal.principlesNotFrozen, '先定原则、再商人头: no candidate name can be entered before the principles are approved and frozen');
        stageIs('nomination');
        const method = frozen()?.principles.method;
        if ((method === 'meeting' || method === 'both') && !a.meeting) throw refuse(Refusal.invalidInput, `the principles call for a meeting recommendation (${method})`, { field: 'meeting' });
        if ((method === 'talk' || method === 'both') && !a.talks?.length) throw refuse(Refusal.invalidInput, `the principles call for talk recommendations (${method})`, { field: 'talks' });
        if (a.meeting) {
          const { determined, present } = a.meeting;
          if (present > determined) throw refuse(Refusal.invalidInput, 'more present than determined participants', { field: 'meeting.present' });
          if (!meetsQuorum({ ...DEFAULT_VOTE_RULE, quorum: rules.nominationQuorum }, determined, present)) {
            throw refuse(Refusal.nominationQuorumNotMet, `the meeting recommendation needs at least ${rules.nominationQuorum.num}/${rules.nominationQuorum.den} of the ${determined} determined participants present; ${present} were`, {
              field: 'meeting.present',
            });
          }
        }
        if (a.date > today()) throw refuse(Refusal.invalidInput, 'the recommendation cannot be dated in the future', { field: 'date' });
        return;
      }
      case 'setShortlist': {
        stageIs('shortlist');
        for (const id of a.personIds) {
          const c = known(id);
          if (!c.check?.eligible) {
            const failed = c.check?.results.filter((r) => r.applicable && !r.passed).map((r) => r.predicate) ?? [];
            throw refuse(Refusal.candidateNotEligible, `${id} does not meet the frozen principles (v${frozen()?.version}): ${failed.join(', ')}`, { personId: id, failed });
          }
        }
        if (state.nomination && addMonths(state.nomination.date, rules.recommendationValidMonths) < today()) {
          throw refuse(Refusal.recommendationExpired, `the recommendation of ${state.nomination.date} is older than ${rules.recommendationValidMonths} months`);
        }
        const positions = frozen()?.principles.post.positions ?? 1;
        const competitive = a.personIds.length > positions;
        const concentrated = !!a.concentratedOpinion?.trim() && positions === 1 && !frozen()?.principles.generalElection;
        if (!competitive && !concentrated) {
          throw refuse(
            Refusal.shortlistNotCompetitive,
            `差额: ${a.personIds.length} candidate(s) for ${positions} position(s); more candidates than positions are needed, unless the department records that opinions are concentrated on an individual promotion (not in a general election)`,
            { field: 'personIds' },
          );
        }
        return;
      }
      case 'recordInspection':
        stageIs('inspection');
        if (new Set(a.group).size < rules.minInspectionGroup) throw refuse(Refusal.inspectionIncomplete, `an inspection group needs at least ${rules.minInspectionGroup} people`, { field: 'group' });
        if (a.noticeDate >= a.startDate) throw refuse(Refusal.inspectionIncomplete, 'the notice must come before the inspection starts', { field: 'noticeDate' });
        if (a.talks < 1) throw refuse(Refusal.inspectionIncomplete, 'the inspection needs individual talks', { field: 'talks' });
        if (!a.fieldVisit) throw refuse(Refusal.inspectionIncomplete, 'the inspection needs a field visit', { field: 'fieldVisit' });
        for (const c of active()) {
          if (!a.evaluations.some((e) => e.personId === c.personId)) {
            throw refuse(Refusal.inspectionIncomplete, `the democratic evaluation (民主测评) of ${c.personId} is missing`, { field: 'evaluations' });
          }
        }
        return;
      case 'recordCheck':
      case 'signIntegrity': {
        stageIs('inspection');
        const c = known(a.personId);
        if (!c.shortlisted || c.removed) throw refuse(Refusal.candidateNotEligible, `${a.personId} is not an inspection candidate`, { field: 'personId' });
        if (a.action === 'signIntegrity' && c.integrity[a.as]) throw refuse(Refusal.invalidInput, `the ${a.as} has already signed for ${a.personId}`, { field: 'as' });
        if (a.action === 'recordCheck' && a.result === 'negative' && !a.note?.trim()) {
          throw refuse(Refusal.invalidInput, 'a negative finding needs the reason recorded', { field: 'note' });
        }
        return;
      }
      case 'completeInspection': {
        stageIs('inspection');
        if (!state.inspection) throw refuse(Refusal.inspectionIncomplete, 'record the inspection (group, notice, talks, evaluation, field visit) first');
        if (active().length === 0) throw refuse(Refusal.inspectionIncomplete, 'no candidate remains');
        for (const c of active()) {
          const missing = FOUR_MUSTS.filter((m) => c.fourMusts[m]?.result !== 'clear');
          if (missing.length) throw refuse(Refusal.inspectionIncomplete, `凡提四必 for ${c.personId}: ${missing.join(', ')} not recorded clear`, { personId: c.personId, missing });
          if (!c.integrity.partySecretary || !c.integrity.disciplineSecretary) {
            throw refuse(Refusal.inspectionIncomplete, `the 廉洁自律 conclusion for ${c.personId} needs both the Party secretary's and the discipline secretary's signatures`, { personId: c.personId });
          }
        }
        return;
      }
      case 'recordObjection': {
        stageIs('publicNotice');
        const c = known(a.personId);
        if (c.decision !== 'passed') throw refuse(Refusal.invalidInput, `${a.personId} is not on public notice`, { field: 'personId' });
        return;
      }
      case 'resolveObjection': {
        stageIs('publicNotice');
        const o = state.candidates.flatMap((c) => c.objections).find((x) => x.id === a.objectionId);
        if (!o) throw refuse(Refusal.invalidInput, `objection ${a.objectionId} does not exist`, { field: 'objectionId' });
        if (o.resolution) throw refuse(Refusal.invalidInput, `objection ${a.objectionId} is already resolved`, { field: 'objectionId' });
        if (a.outcome === 'postpone') {
          const latest = addMonths(today(), rules.maxPostponeMonths);
          if (a.postponeUntil && a.postponeUntil <= today()) {
            throw refuse(Refusal.invalidInput, `a postponement runs until a future date, after ${today()}`, { field: 'postponeUntil' });
          }
          if (!a.postponeUntil || a.postponeUntil > latest) {
            throw refuse(Refusal.postponeTooLong, `a postponement needs a date no later than ${latest} (${rules.maxPostponeMonths} months)`, { field: 'postponeUntil' });
          }
        }
        return;
      }
      case 'assess': {
        stageIs('probation');
        if (!state.probationEndsAt || Date.now() < Date.parse(state.probationEndsAt)) throw refuse(Refusal.wrongStage, `the probation ends at ${state.probationEndsAt ?? '?'}`);
        const c = known(a.personId);
        if (c.outcome !== 'appointed') throw refuse(Refusal.invalidInput, `${a.personId} is not on probation`, { field: 'personId' });
        return;
      }
    }
  };

  setHandler(
    selectionUpdate,
    async (a: SelectionActInput): Promise<SelectionAck> => {
      const seq = nextSeq();
      const at = new Date().toISOString();
      const { actorId, actorRoles: _roles, ...payload } = a;
      const rec: ActionRecord = { seq, taskId: null, step: state.stage, actorId, action: a.action, at };
      state.actions.push(rec);
      // State first, synchronously, so a concurrent Update's validator sees it.
      switch (a.action) {
        case 'revisePrinciples':
          revising = { reason: a.reason };
          state.principles = a.principles;
          break;
        case 'recordNomination': {
          state.nomination = { date: a.date, meeting: a.meeting ? { determined: a.meeting.determined, present: a.meeting.present } : null, talks: a.talks?.length ?? 0 };
          const ids = [...new Set([...(a.meeting?.votes ?? []).map((v) => v.personId), ...(a.talks ?? []).map((t) => t.personId)])];
          for (const id of ids) {
            state.candidates.push({
              personId: id,
              nominatedAt: a.date,
              meetingVotes: a.meeting?.votes.find((v) => v.personId === id)?.votes ?? 0,
              talkMentions: a.talks?.find((t) => t.personId === id)?.mentions ?? 0,
              check: null,
              shortlisted: false,
              removed: null,
              fourMusts: {},
              integrity: {},
              decision: null,
              objections: [],
              outcome: null,
            });
          }
          break;
        }
        case 'setShortlist':
          for (const c of state.candidates) c.shortlisted = a.personIds.includes(c.personId);
          break;
        case 'recordInspection':
          state.inspection = { group: a.group, noticeDate: a.noticeDate, startDate: a.startDate, talks: a.talks, fieldVisit: a.fieldVisit, completedAt: null };
          break;
        case 'recordCheck': {
          const c = candidate(a.personId) as CandidateView;
          c.fourMusts[a.check] = { result: a.result, by: actorId, at, ...(a.note ? { note: a.note } : {}) };
          // A negative finding removes the candidate, with the reason recorded.
          if (a.result === 'negative') c.removed = { reason: `${a.check}: ${a.note ?? ''}`, at };
          break;
        }
        case 'signIntegrity':
          (candidate(a.personId) as CandidateView).integrity[a.as] = actorId;
          break;
        case 'completeInspection':
          if (state.inspection) state.inspection.completedAt = at;
          break;
        case 'recordObjection':
          (candidate(a.personId) as CandidateView).objections.push({ id: `o${seq}`, text: a.text, recordedBy: actorId, at, resolution: null });
          break;
        case 'resolveObjection': {
          const o = state.candidates.flatMap((c) => c.objections).find((x) => x.id === a.objectionId);
          if (o) o.resolution = { outcome: a.outcome, note: a.note, by: actorId, at, ...(a.postponeUntil ? { postponeUntil: a.postponeUntil } : {}) };
          break;
        }
        case 'assess': {
          const c = candidate(a.personId) as CandidateView;
          c.outcome = a.result === 'fit' ? 'confirmed' : 'removedToFormerGrade';
          break;
        }
      }
      await acts.recordAction({ workflowId, seq, taskId: null, step: rec.step, actorId, action: a.action, data: payload, at });
      if (a.action === 'recordNomination') await checkCandidates(state.candidates.filter((c) => !c.check).map((c) => c.personId));
      // Answer once the main loop has moved on where this action lets it.
      const stageBefore = rec.step;
      await condition(() => state.stage !== stageBefore || !stageMoves(a.action) || state.status !== 'open' || revising !== null);
      return { seq, action: a.action, stage: state.stage, status: state.status };
    },
    { validator: validate },
  );

  /** Actions after which the procedure moves to the next stage. */
  function stageMoves(action: SelectionActInput['action']): boolean {
    return action === 'recordNomination' || action === 'setShortlist' || action === 'completeInspection' || action === 'revisePrinciples';
  }

  async function checkCandidates(personIds: string[]): Promise<void> {
    const f = frozen();
    if (!f || personIds.length === 0) return;
    const checks = await acts.checkCandidates({ personIds, principles: f.principles, principlesVersion: f.version, asOf: today() });
    for (const check of checks) {
      const c = candidate(check.personId);
      if (!c) continue;
      c.check = check;
      // A shortlisted candidate who no longer qualifies under revised principles leaves the procedure.
      if (c.shortlisted && !check.eligible && !c.removed) c.removed = { reason: `not qualified under principles v${f.version}`, at: new Date().toISOString() };
    }
  }

  /** Approves and freezes the principles (again, after a revision). */
  async function approveAndFreeze(round: number, reason?: string): Promise<void> {
    setStage('principles');
    const outcome = await flow.runStep('principles', round);
    if (outcome.kind !== 'approved') return;
    const version = state.frozen.length + 1;
    const at = new Date().toISOString();
    const { hash } = await acts.freezePrinciples({ workflowId, version, principles: state.principles, actorId: outcome.by, at, ...(reason ? { reason } : {}) });
    state.frozen.push({ version, hash, frozenAt: at, principles: state.principles, ...(reason ? { reason } : {}) });
  }

  await acts.projectProcedure({
    workflowId,
    type: 'cadreSelection',
    parentWorkflowId: null,
    title: input.title,
    unitIds: [input.principles.post.unitId],
    stage: 'principles',
    startedBy: input.initiatorId,
    startedAt: new Date(info.startTime).toISOString(),
    data: { selectionId: input.selectionId, post: input.principles.post },
  });

  // 1. Principles, approved and frozen before any name.
  await approveAndFreeze(1);

  // 2–4. Nomination, shortlist, inspection; a revision of the principles goes back to step 1.
  let round = 1;
  const waitOrRevise = async (done: () => boolean): Promise<boolean> => {
    await condition(() => done() || revising !== null);
    if (!revising) return true;
    const { reason } = revising;
    const resume = state.stage;
    round += 1;
    await approveAndFreeze(round, reason);
    revising = null;
    // Every candidate is checked again against the new version.
    await checkCandidates(state.candidates.map((c) => c.personId));
    setStage(resume);
    return false;
  };
  setStage('nomination');
  while (!(await waitOrRevise(() => state.nomination !== null && state.candidates.every((c) => c.check !== null))));
  setStage('shortlist');
  while (!(await waitOrRevise(() => state.candidates.some((c) => c.shortlisted))));
  setStage('inspection');
  while (!(await waitOrRevise(() => state.inspection?.completedAt != null)));

  // 5. The committee's decision, by vote on each remaining candidate.
  decisionStep.candidates = active().map((c) => c.personId);
  setStage('decision');
  const decision = await flow.runStep('decision', 1);
  const tally: VoteTally | undefined = decision.kind === 'approved' ? decision.tally : undefined;
  state.decisionTally = tally ?? null;
  for (const t of tally?.candidates ?? []) {
    const c = candidate(t.candidateId);
    if (c) c.decision = t.outcome === 'passed' ? 'passed' : t.outcome === 'rejected' ? 'rejected' : 'postponed';
  }
  const passed = state.candidates.filter((c) => c.decision === 'passed');

  // 6. Public notice (任前公示), at least 5 working days; every objection ends in an outcome.
  if (passed.length > 0) {
    // The period comes from the calendar as it stands; until the calendar covers it (a notice
    // reaching into a year not loaded yet), try again daily rather than fail the selection.
    let notice: NoticePeriod | null = null;
    while (notice === null) {
      try {
        notice = await acts.computeNoticePeriod({ fromDate: today(), workingDays: rules.noticeWorkingDays });
      } catch (err) {
        log.warn('public notice period not computable yet', { workflowId, error: String(err) });
        await sleep('1 day');
      }
    }
    state.notice = notice;
    setStage('publicNotice');
    await waitUntil(() => false, notice.endsAt);
    await condition(() => passed.every((c) => c.objections.every((o) => o.resolution !== null)));
    for (const c of passed) {
      const outcomes = c.objections.map((o) => o.resolution?.outcome);
      c.outcome = outcomes.includes('doNotAppoint') ? 'notAppointed' : outcomes.includes('postpone') ? 'postponed' : 'appointed';
    }
  }

  // 7. Appointment and a one-year probation, then the assessment.
  const appointed = state.candidates.filter((c) => c.outcome === 'appointed');
  if (appointed.length > 0) {
    const probationEndsAt = await acts.computeProbationEnd({ fromDate: today(), months: rules.probationMonths });
    state.probationEndsAt = probationEndsAt;
    setStage('probation');
    await waitUntil(() => false, probationEndsAt);
    await condition(() => appointed.every((c) => c.outcome !== 'appointed'));
  }

  state.status = 'closed';
  setStage('closed');
  const ids = (o: CandidateView['outcome']) => state.candidates.filter((c) => c.outcome === o).map((c) => c.personId);
  const result: SelectionResult = {
    appointed: state.candidates.filter((c) => c.outcome === 'confirmed' || c.outcome === 'removedToFormerGrade').map((c) => c.personId),
    confirmed: ids('confirmed'),
    removedToFormerGrade: ids('removedToFormerGrade'),
    notAppointed: ids('notAppointed'),
    postponed: [...ids('postponed'), ...state.candidates.filter((c) => c.decision === 'postponed').map((c) => c.personId)],
    principlesVersions: state.frozen.length,
  };
  await condition(allHandlersFinished);
  await acts.closeProcedure({ workflowId, status: 'closed', stage: 'closed', closedAt: new Date().toISOString(), result });
  return result;
}
