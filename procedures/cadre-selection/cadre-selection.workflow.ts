/**
 * Cadre selection (干部选拔任用) under 先定原则、再商人头 (DOMAIN.md §1): the principles are approved
 * and frozen before any name enters; then nomination, shortlist, inspection with 凡提四必, the
 * committee's vote, the public notice and a one-year probation. The rules are enforced by the
 * Update validators, so a refused action leaves no trace. The workflow lives for about a year.
 */
import { condition, log, patched, setHandler, sleep, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { chinaDateOf } from '../../domain/dates';
import { answer } from '../kernel/act';
import { acts } from '../kernel/activities';
import { createApprovalFlow, type StepDef } from '../kernel/approval';
import { resolverFor } from '../kernel/assignees';
import { registerActHandler } from '../kernel/act';
import { registerManageHandler } from '../kernel/manage';
import { SearchAttr, stateQuery, type ActionRecord } from '../kernel/messages';
import { registerOpened } from '../kernel/opened';
import { createProjector, openingRow } from '../kernel/projector';
import { assertCleanText, refuse } from '../kernel/refuse';
import { waitUntil } from '../kernel/time';
import { DEFAULT_VOTE_RULE, type VoteTally } from '../kernel/vote';
import {
  CADRE_SELECTION,
  selectionUpdate,
  type CadreSelectionInput,
  type CandidateView,
  type NoticePeriod,
  type SelectionActInput,
  type SelectionAck,
  type SelectionResult,
  type SelectionStage,
  type SelectionState,
} from './messages';
import { commandProblem, DEFAULT_SELECTION_RULES, nominee, politicalGateReadings, withinPositions } from './rules';

type FlowStep = 'principles' | 'decision';

/** Patch: at most the post's positions proceed from the committee's vote (withinPositions). */
export const SELECTION_WITHIN_POSITIONS = 'selection-within-positions';

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
    politicalGate: null,
    examinations: [],
  };
  const today = (): string => chinaDateOf(new Date());
  const projector = createProjector({
    procedure: openingRow({ type: CADRE_SELECTION, title: input.title, unitIds: [input.principles.post.unitId], stage: 'principles', startedBy: input.initiatorId }),
  });
  const nextSeq = (): number => projector.nextSeq();
  const record = (r: ActionRecord): void => {
    state.actions.push(r);
  };
  record(projector.start(input.initiatorId, { selectionId: input.selectionId, post: input.principles.post }));

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
    steps: [
      { key: 'principles', mode: 'all', assignees: input.principlesApprovers, approveActions: ['approve'], canReturn: false },
      decisionStep,
    ],
    resolve: resolverFor(input.assignees),
    projector,
    dueAt: () => null,
  });

  const setStage = (stage: SelectionStage): void => {
    if (stage === state.stage) return;
    state.stage = stage;
    projector.row.stage = stage;
    // The search attribute follows the stage only at the close (kernel/procedure.ts says why), whose
    // transition carries the row; any other stage is projected at once, since no action may follow soon.
    if (stage === 'closed') upsertSearchAttributes([{ key: SearchAttr.stage, value: stage }]);
    else projector.emit();
  };
  const candidate = (personId: string): CandidateView | undefined => state.candidates.find((c) => c.personId === personId);
  const active = (): CandidateView[] => state.candidates.filter((c) => c.shortlisted && !c.removed);
  const frozen = () => state.frozen[state.frozen.length - 1];
  let revising: { reason: string } | null = null;

  setHandler(stateQuery, () => {
    const open = flow.openTasks();
    return { ...state, openTasks: open, currentTask: open[0] ?? null };
  });

  // Tasks of the two approval steps (approving the principles, the committee's votes), and closing the vote.
  const base = { flow, projector, status: () => state.status, stage: () => state.stage };
  // The step's next tasks are open, or it ended and the stage moves on to staff actions.
  // The last approval of the principles answers once they are frozen (the freeze is in its transitions).
  const settled = (): boolean => flow.isRunning() || (flow.isIdle() && state.stage !== 'principles') || state.status !== 'open';
  registerOpened({ ...base, settled });
  registerActHandler({ ...base, noun: 'selection', record, settled });
  registerManageHandler({
    ...base,
    initiatorId: input.initiatorId,
    title: input.title,
    noun: 'selection',
    can: { withdraw: false, urge: true, copy: true, closeVote: true },
    actors: () => state.actions.map((x) => x.actorId),
    record,
    onWithdraw: () => undefined,
  });

  // --- Staff actions on the stages. Every rule is checked by one pure function (rules.ts), synchronously.
  const validate = (a: SelectionActInput): void => {
    assertCleanText(a);
    const problem = commandProblem({ state, frozen: frozen(), initiatorId: input.initiatorId, today: today(), now: Date.now(), rules }, a);
    if (problem) throw refuse(problem.code, problem.message, problem.details);
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
            state.candidates.push(
              nominee(id, a.date, a.meeting?.votes.find((v) => v.personId === id)?.votes ?? 0, a.talks?.find((t) => t.personId === id)?.mentions ?? 0),
            );
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
        case 'completeInspection': {
          if (state.inspection) state.inspection.completedAt = at;
          // What the 任前政治体检 gate read when it let the inspection complete (the facts are also in the action's data).
          const requirement = frozen()?.principles.politicalExam;
          if (requirement) {
            const ids = active().map((c) => c.personId);
            state.politicalGate = { months: requirement.months, checkedOn: today(), candidates: politicalGateReadings(ids, a.politicalFacts ?? [], requirement, today()) };
          }
          break;
        }
        case 'linkExamination':
          state.examinations?.push({ personId: a.personId, workflowId: a.examinationWorkflowId, startedBy: actorId, at });
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
      projector.emit({ seq, action: { taskId: null, step: rec.step, actorId, action: a.action, data: payload } });
      if (a.action === 'recordNomination') await checkCandidates(state.candidates.filter((c) => !c.check).map((c) => c.personId));
      // Answer once the main loop has moved on where this action lets it.
      const stageBefore = rec.step;
      await condition(() => state.stage !== stageBefore || !stageMoves(a.action) || state.status !== 'open' || revising !== null);
      return { ...answer(base, null, a.action, seq), seq };
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
    const { hash } = await acts.freezePrinciples({ principles: state.principles });
    projector.emit({
      audit: [{ key: `principles:${workflowId}:v${version}`, kind: 'principles:frozen', actorId: outcome.by, payload: { version, hash, reason: reason ?? null, principles: state.principles } }],
    });
    state.frozen.push({ version, hash, frozenAt: at, principles: state.principles, ...(reason ? { reason } : {}) });
  }

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
  // Histories recorded before this rule let everyone who passed proceed, whatever the positions.
  const capped = patched(SELECTION_WITHIN_POSITIONS);
  let places = frozen()?.principles.post.positions ?? 1;
  for (let round = 1; ; round++) {
    const decision = await flow.runStep('decision', round);
    const tally: VoteTally | undefined = decision.kind === 'approved' ? decision.tally : undefined;
    state.decisionTally = tally ?? null;
    for (const t of tally?.candidates ?? []) {
      const c = candidate(t.candidateId);
      if (c) c.decision = t.outcome === 'passed' ? 'passed' : t.outcome === 'rejected' ? 'rejected' : 'notPassed';
    }
    if (!capped || !tally) break;
    const pick = withinPositions(
      tally.candidates.filter((t) => t.outcome === 'passed').map((t) => ({ candidateId: t.candidateId, agree: t.agree })),
      places,
    );
    for (const id of pick.notSelected) candidate(id)!.decision = 'notSelected';
    if (pick.tied.length === 0) break;
    // A tie at the last place: the committee votes again among the tied, for the places left.
    for (const id of pick.tied) candidate(id)!.decision = null;
    places = pick.placesLeft;
    decisionStep.candidates = pick.tied;
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
    postponed: ids('postponed'),
    notPassed: state.candidates.filter((c) => c.decision === 'notPassed').map((c) => c.personId),
    ...(capped ? { notSelected: state.candidates.filter((c) => c.decision === 'notSelected').map((c) => c.personId) } : {}),
    principlesVersions: state.frozen.length,
  };
  projector.close('closed', 'closed', result);
  await projector.finish();
  return result;
}
