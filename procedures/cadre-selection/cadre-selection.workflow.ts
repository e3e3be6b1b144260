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
import { SearchAttr, stateQuery, type ActInput, type ActionRecord, type TaskView } from '../kernel/messages';
import { registerOpened } from '../kernel/opened';
import { createProjector, openingRow } from '../kernel/projector';
import { assertCleanText, refuse } from '../kernel/refuse';
import { waitUntil } from '../kernel/time';
import { DEFAULT_VOTE_RULE, type MeetingRecord, type VoteTally } from '../kernel/vote';
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
import { commandProblem, commandsAt, DEFAULT_SELECTION_RULES, eligibilityCutoff, nominee, politicalGateReadings, postChanged, probationApplies, recusalProblem, withinPositions } from './rules';

type FlowStep = 'principles' | 'decision';

/** Patch: at most the post's positions proceed from the committee's vote (withinPositions). */
export const SELECTION_WITHIN_POSITIONS = 'selection-within-positions';
/** Patch: candidates are checked as of the eligibility cut-off (eligibilityCutoff), not the day the check runs. */
export const SELECTION_ELIGIBILITY_CUTOFF = 'selection-eligibility-cutoff';
/** Patch: a revision that changes the post after the nomination voids the recommendation and goes back to nomination. */
export const SELECTION_POST_CHANGE_RENOMINATES = 'selection-post-change-renominates';
/** Patch: a postponement waits until its date, reminds the staff, then takes the final decision. */
export const SELECTION_POSTPONEMENT_WAITS = 'selection-postponement-waits';
/** Patch: 暂缓表决 before the vote closes the open ballots and opens the vote again without the deferred. */
export const SELECTION_DEFER_VOTE = 'selection-defer-vote';
/** Patch: after the notice the appointment (date, 任职通知, 任职谈话) is recorded; the probation runs from it, where it applies. */
export const SELECTION_APPOINTMENT_RECORDED = 'selection-appointment-recorded';
/** Patch: 回避 — the committee members related to a candidate are read when the vote opens, and their ballots refused. */
export const SELECTION_RECUSAL = 'selection-recusal';
/** Patch: 复议 agreed during the public notice reopens the vote on the candidate once the notice has ended. */
export const SELECTION_RECONSIDERATION = 'selection-reconsideration';
/**
 * Patch: the committee's vote belongs to a recorded meeting (《条例》 art. 28): its ballot tasks open when the meeting is
 * opened with its date and attendance, for the members present, and the vote ends once the minutes are attached.
 */
export const SELECTION_MEETING = 'selection-meeting';

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
  /** 应到: the committee's members, as the vote step resolves them. */
  const committeeMembers = [...new Set(resolverFor(input.assignees)(input.committee))];
  /** Set by deferVote: the open vote is closed and opened again without the deferred. */
  let deferring = false;
  /** The committee's meeting now: a new round among the tied, or after 暂缓表决, goes on at it; 复议 holds a new one. */
  let meetingNow: MeetingRecord | null = null;
  /** 回避: the members related to a candidate of the vote now open; 应到 but never 实到. */
  const recusedNow = (): string[] => [...new Set((state.recusals ?? []).filter((r) => (decisionStep.candidates ?? []).includes(r.candidateId)).map((r) => r.memberId))];

  setHandler(stateQuery, () => {
    const open = flow.openTasks();
    return { ...state, currentStep: flow.view(), commands: state.status === 'open' ? commandsAt(state.stage) : [], openTasks: open, currentTask: open[0] ?? null };
  });

  // Tasks of the two approval steps (approving the principles, the committee's votes), and closing the vote.
  const base = { flow, projector, status: () => state.status, stage: () => state.stage };
  // The step's next tasks are open, or it ended and the stage moves on to staff actions.
  // The last approval of the principles answers once they are frozen (the freeze is in its transitions).
  /** The tasks an openMeeting opened, for its transition. */
  let seated: { opened: TaskView[] } | null = null;
  const settled = (): boolean => flow.isRunning() || (flow.isIdle() && state.stage !== 'principles') || state.status !== 'open';
  registerOpened({ ...base, settled });
  // 回避: a recused member's ballot is refused with the rule named (a validator: nothing on replay).
  const guard = (a: ActInput): void => {
    if (a.action !== 'vote' || state.stage !== 'decision') return;
    const problem = recusalProblem(state.recusals, a.actorId, decisionStep.candidates ?? []);
    if (problem) throw refuse(problem.code, problem.message, problem.details);
  };
  registerActHandler({ ...base, noun: 'selection', record, settled, guard });
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
    const problem = commandProblem(
      { state, frozen: frozen(), initiatorId: input.initiatorId, today: today(), now: Date.now(), rules, vote: flow.view()?.vote ?? null, committee: committeeMembers },
      a,
    );
    if (problem) throw refuse(problem.code, problem.message, problem.details);
    // The meeting's own rules are the kernel vote step's: the quorum from the attendance recorded, the minutes once.
    if (a.action === 'openMeeting') flow.validateOpenMeeting({ date: a.date, present: a.present, recused: recusedNow(), today: today() });
    if (a.action === 'attachMinutes') flow.validateMinutes(a.minutesRef);
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
          const eligibilityAsOf = eligibilityCutoff(frozen()?.principles ?? state.principles, a.date);
          state.nomination = { date: a.date, meeting: a.meeting ? { determined: a.meeting.determined, present: a.meeting.present } : null, talks: a.talks?.length ?? 0, eligibilityAsOf };
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
          c.fourMusts[a.check] = { result: a.result, by: actorId, at, ...(a.note ? { note: a.note } : {}), ...(a.finding ? { finding: a.finding } : {}) };
          // A negative finding removes the candidate, with the reason recorded.
          if (a.result === 'negative') c.removed = { reason: `${a.check}: ${a.note ?? ''}`, at };
          break;
        }
        case 'signIntegrity': {
          const c = candidate(a.personId) as CandidateView;
          c.integrity[a.as] = actorId;
          if (a.signer?.personId) c.integritySigners = { ...c.integritySigners, [a.as]: a.signer.personId };
          break;
        }
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
        case 'recordAppointment': {
          const c = candidate(a.personId) as CandidateView;
          const post = frozen()?.principles.post ?? state.principles.post;
          c.appointment = { appointedOn: a.appointedOn, noticeRef: a.noticeRef, talkOn: a.talkOn, by: actorId, at, probation: probationApplies(post, c.check), probationEndsAt: null };
          break;
        }
        case 'decidePostponed': {
          const c = candidate(a.personId) as CandidateView;
          if (c.postponement) c.postponement.decision = { outcome: a.outcome, note: a.note, by: actorId, at };
          break;
        }
        case 'deferVote': {
          const c = candidate(a.personId) as CandidateView;
          c.deferred = { reason: a.reason, by: actorId, at };
          c.decision = 'deferred';
          deferring = true;
          break;
        }
        case 'reconsider':
          (candidate(a.personId) as CandidateView).reconsideration = { reason: a.reason, agreeing: [...new Set(a.agreeing)], by: actorId, at };
          break;
        case 'openMeeting': {
          const { meeting, ...changes } = flow.openMeeting({ date: a.date, present: a.present, recused: recusedNow() }, actorId, at);
          meetingNow = meeting;
          state.meetings = [...(state.meetings ?? []), meeting];
          seated = changes;
          break;
        }
        case 'attachMinutes': {
          const meeting = flow.attachMinutes(a.minutesRef, actorId, at);
          meetingNow = meeting;
          state.meetings = [...(state.meetings ?? []).slice(0, -1), meeting];
          break;
        }
      }
      // 暂缓表决: the open ballots close with the action (nobody has voted yet); the decision loop opens the vote again.
      const closed = a.action === 'deferVote' && patched(SELECTION_DEFER_VOTE) ? flow.cancelAll(actorId, at).closed : [];
      projector.emit({
        seq,
        action: { taskId: null, step: rec.step, actorId, action: a.action, data: payload },
        ...(closed.length ? { closed } : {}),
        // The meeting's attendance opens the ballot tasks of the members present.
        ...(seated?.opened.length ? { opened: seated.opened } : {}),
      });
      seated = null;
      if (a.action === 'recordNomination') await checkCandidates(state.candidates.filter((c) => !c.check).map((c) => c.personId));
      // Answer once the main loop has moved on where this action lets it.
      const stageBefore = rec.step;
      await condition(() => state.stage !== stageBefore || !stageMoves(a.action) || state.status !== 'open' || revising !== null);
      // The minutes may end the vote: answer once the loop has taken its outcome (or opened a new round).
      if (a.action === 'attachMinutes') await condition(() => flow.isRunning() || flow.isIdle() || state.status !== 'open');
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
    // As of the cut-off fixed with the recommendation, so neither a late entry nor a revision moves it.
    const cutoff = state.nomination?.eligibilityAsOf;
    const asOf = cutoff && patched(SELECTION_ELIGIBILITY_CUTOFF) ? cutoff : today();
    const checks = await acts.checkCandidates({ personIds, principles: f.principles, principlesVersion: f.version, asOf });
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
  /** done, revised (stay at the stage), or renominate (the post changed: back to nomination). */
  const waitOrRevise = async (done: () => boolean): Promise<'done' | 'revised' | 'renominate'> => {
    await condition(() => done() || revising !== null);
    if (!revising) return 'done';
    const { reason } = revising;
    const resume = state.stage;
    const postBefore = frozen()?.principles.post;
    round += 1;
    await approveAndFreeze(round, reason);
    revising = null;
    const f = frozen();
    // A recommendation is valid only for its post: a new unit or grade voids it, and the names are sought again.
    if (postBefore && f && state.nomination && postChanged(postBefore, f.principles.post) && patched(SELECTION_POST_CHANGE_RENOMINATES)) {
      voidRecommendation(postBefore, f.principles.post, f.version);
      setStage('nomination');
      return 'renominate';
    }
    // Every candidate is checked again against the new version.
    await checkCandidates(state.candidates.map((c) => c.personId));
    setStage(resume);
    return 'revised';
  };
  function voidRecommendation(post: typeof state.principles.post, voidFor: typeof state.principles.post, version: number): void {
    const nomination = state.nomination;
    if (!nomination) return;
    state.voidedRecommendations = [
      ...(state.voidedRecommendations ?? []),
      { date: nomination.date, post, voidFor, personIds: state.candidates.map((c) => c.personId), version, at: new Date().toISOString() },
    ];
    state.nomination = null;
    state.candidates = [];
    state.inspection = null;
  }
  const preDecision: [SelectionStage, () => boolean][] = [
    ['nomination', () => state.nomination !== null && state.candidates.every((c) => c.check !== null)],
    ['shortlist', () => state.candidates.some((c) => c.shortlisted)],
    ['inspection', () => state.inspection?.completedAt != null],
  ];
  for (let i = 0; i < preDecision.length; ) {
    const [stage, done] = preDecision[i] as [SelectionStage, () => boolean];
    setStage(stage);
    const r = await waitOrRevise(done);
    if (r === 'done') i += 1;
    else if (r === 'renominate') i = 0;
  }

  // 5. The committee's decision, by vote on each remaining candidate.
  decisionStep.candidates = active().map((c) => c.personId);
  setStage('decision');
  // 回避, read from master data as the vote opens; histories from before it have no such read.
  if (patched(SELECTION_RECUSAL)) state.recusals = await acts.recusals({ memberIds: committeeMembers, candidateIds: [...decisionStep.candidates] });
  // Histories recorded before this rule let everyone who passed proceed, whatever the positions.
  const capped = patched(SELECTION_WITHIN_POSITIONS);
  let decisionRound = 0;
  // Histories from before this rule vote with no meeting recorded.
  const meetingRecorded = patched(SELECTION_MEETING);
  /** Votes on `ids` for `places` places, ties voted again among the tied; 暂缓表决 opens the vote again without the deferred. */
  async function decide(ids: string[], places: number): Promise<void> {
    decisionStep.candidates = ids;
    meetingNow = null;
    for (;;) {
      decisionRound += 1;
      if (meetingRecorded) decisionStep.meeting = meetingNow ? { held: meetingNow } : {};
      const decision = await flow.runStep('decision', decisionRound);
      if (deferring) {
        deferring = false;
        decisionStep.candidates = decisionStep.candidates?.filter((id) => candidate(id)?.decision !== 'deferred') ?? [];
        if (decisionStep.candidates.length === 0) break;
        continue;
      }
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
  }
  const positions = frozen()?.principles.post.positions ?? 1;
  await decide(decisionStep.candidates as string[], positions);

  // 6. Public notice (任前公示), at least 5 working days; every objection ends in an outcome. A postponed
  // candidate waits for the date, then the final decision; a 复议 agreed during the notice reopens the vote
  // on its candidate after it, and whoever then passes goes on notice in turn.
  const reconsidered = new Set<string>();
  let onNotice = state.candidates.filter((c) => c.decision === 'passed');
  while (onNotice.length > 0) {
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
    const batch = onNotice;
    await condition(() => batch.every((c) => c.objections.every((o) => o.resolution !== null)));
    for (const c of batch) {
      const outcomes = c.objections.map((o) => o.resolution?.outcome);
      c.outcome = outcomes.includes('doNotAppoint') ? 'notAppointed' : outcomes.includes('postpone') ? 'postponed' : 'appointed';
    }
    const postponed = batch.filter((c) => c.outcome === 'postponed');
    // Histories from before this rule closed with the candidate postponed.
    if (postponed.length > 0 && patched(SELECTION_POSTPONEMENT_WAITS)) await awaitPostponements(postponed);
    const reopened = state.candidates.filter((c) => c.reconsideration && !reconsidered.has(c.personId));
    if (reopened.length === 0 || !patched(SELECTION_RECONSIDERATION)) break;
    for (const c of reopened) {
      reconsidered.add(c.personId);
      c.decision = null;
      c.deferred = null;
    }
    const taken = state.candidates.filter((c) => c.outcome === 'appointed').length;
    setStage('decision');
    await decide(
      reopened.map((c) => c.personId),
      Math.max(positions - taken, 0),
    );
    onNotice = reopened.filter((c) => c.decision === 'passed');
  }

  /** Waits for each postponement's date (a durable timer), reminds the staff, then for the final decisions. */
  async function awaitPostponements(cs: CandidateView[]): Promise<void> {
    for (const c of cs) {
      const until = c.objections.flatMap((o) => (o.resolution?.postponeUntil ? [o.resolution.postponeUntil] : [])).sort().at(-1) ?? today();
      c.postponement = { until, remindedAt: null, decision: null };
    }
    for (const c of [...cs].sort((x, y) => (x.postponement?.until ?? '').localeCompare(y.postponement?.until ?? ''))) {
      const pp = c.postponement!;
      await waitUntil(() => false, await acts.computePostponementEnd({ until: pp.until }));
      pp.remindedAt = new Date().toISOString();
      const staff = [...new Set([input.initiatorId, ...c.objections.flatMap((o) => (o.resolution ? [o.resolution.by] : []))])];
      projector.emit({
        notifications: [{ kind: 'remind', userIds: staff, message: `${input.title}: the postponement of ${c.personId} ran out on ${pp.until}; take the final decision (appoint / do not appoint)` }],
      });
    }
    await condition(() => cs.every((c) => c.postponement?.decision));
    for (const c of cs) c.outcome = c.postponement?.decision?.outcome === 'appoint' ? 'appointed' : 'notAppointed';
  }

  // 7. Appointment and a one-year probation, then the assessment.
  const appointed = state.candidates.filter((c) => c.outcome === 'appointed');
  if (appointed.length > 0 && patched(SELECTION_APPOINTMENT_RECORDED)) {
    // The appointment is recorded with its 任职通知 and 任职谈话; the probation runs from its date, where it applies.
    setStage('appointment');
    await condition(() => appointed.every((c) => c.appointment));
    const onProbation = appointed.filter((c) => c.appointment?.probation);
    for (const c of onProbation) {
      const a = c.appointment!;
      a.probationEndsAt = await acts.computeProbationEnd({ fromDate: a.appointedOn, months: rules.probationMonths });
    }
    if (onProbation.length > 0) {
      state.probationEndsAt = onProbation.map((c) => c.appointment?.probationEndsAt ?? '').sort().at(-1) ?? null;
      setStage('probation');
      await condition(() => onProbation.every((c) => c.outcome !== 'appointed'));
    }
  } else if (appointed.length > 0) {
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
    // Appointed without a probation (a lateral move, an elected post) stay appointed at the close.
    appointed: state.candidates.filter((c) => c.outcome === 'confirmed' || c.outcome === 'removedToFormerGrade' || c.outcome === 'appointed').map((c) => c.personId),
    confirmed: ids('confirmed'),
    removedToFormerGrade: ids('removedToFormerGrade'),
    notAppointed: ids('notAppointed'),
    postponed: ids('postponed'),
    notPassed: state.candidates.filter((c) => c.decision === 'notPassed').map((c) => c.personId),
    ...(capped ? { notSelected: state.candidates.filter((c) => c.decision === 'notSelected').map((c) => c.personId) } : {}),
    ...(state.candidates.some((c) => c.decision === 'deferred') ? { deferred: state.candidates.filter((c) => c.decision === 'deferred').map((c) => c.personId) } : {}),
    principlesVersions: state.frozen.length,
  };
  projector.close('closed', 'closed', result);
  await projector.finish();
  return result;
}
