/**
 * The staff's actions on a selection's stages (the selection Update): checked synchronously by one pure
 * function (rules.ts commandProblem) in the validator, so a refused action leaves no trace; then applied to
 * the state, projected, and answered once the main loop has moved on where the action lets it.
 */
import { condition, patched } from '@temporalio/workflow';
import { answer } from '../kernel/act';
import type { ActionRecord } from '../kernel/messages';
import { assertCleanText, refuse } from '../kernel/refuse';
import type { CandidateView, SelectionAck, SelectionActInput } from './messages';
import { SELECTION_DEFER_VOTE } from './patches';
import { checkCandidates } from './principles';
import { commandProblem } from './commands';
import { politicalGateReadings } from './political-gate';
import { eligibilityCutoff, nominee, probationApplies } from './rules';
import type { SelectionRun } from './run';

/** The Update's validator: every rule is checked by one pure function (rules.ts), synchronously. */
export function validateAction(run: SelectionRun, a: SelectionActInput): void {
  const { state, flow, input } = run;
  assertCleanText(a);
  const problem = commandProblem(
    { state, frozen: run.frozen(), initiatorId: input.initiatorId, today: run.today(), now: Date.now(), rules: run.rules, vote: flow.view()?.vote ?? null, committee: run.committeeMembers },
    a,
  );
  if (problem) throw refuse(problem.code, problem.message, problem.details);
  // The meeting's own rules are the kernel vote step's: the quorum from the attendance recorded, the minutes once.
  if (a.action === 'openMeeting') flow.validateOpenMeeting({ date: a.date, present: a.present, recused: run.recusedNow(), today: run.today() });
  if (a.action === 'attachMinutes') flow.validateMinutes(a.minutesRef);
}

/** The Update's handler. */
export async function handleAction(run: SelectionRun, a: SelectionActInput): Promise<SelectionAck> {
  const { state, flow, projector } = run;
  const seq = projector.nextSeq();
  const at = new Date().toISOString();
  const { actorId, actorRoles: _roles, ...payload } = a;
  const rec: ActionRecord = { seq, taskId: null, step: state.stage, actorId, action: a.action, at };
  state.actions.push(rec);
  // State first, synchronously, so a concurrent Update's validator sees it.
  applyAction(run, a, seq, at);
  // 暂缓表决: the open ballots close with the action (nobody has voted yet); the decision loop opens the vote again.
  const closed = a.action === 'deferVote' && patched(SELECTION_DEFER_VOTE) ? flow.cancelAll(actorId, at).closed : [];
  projector.emit({
    seq,
    action: { taskId: null, step: rec.step, actorId, action: a.action, data: payload },
    ...(closed.length ? { closed } : {}),
    // The meeting's attendance opens the ballot tasks of the members present.
    ...(run.seated?.opened.length ? { opened: run.seated.opened } : {}),
  });
  run.seated = null;
  if (a.action === 'recordNomination') await checkCandidates(run, state.candidates.filter((c) => !c.check).map((c) => c.personId));
  // Answer once the main loop has moved on where this action lets it.
  const stageBefore = rec.step;
  await condition(() => state.stage !== stageBefore || !stageMoves(a.action) || state.status !== 'open' || run.revising !== null);
  // The minutes may end the vote: answer once the loop has taken its outcome (or opened a new round).
  if (a.action === 'attachMinutes') await condition(() => flow.isRunning() || flow.isIdle() || state.status !== 'open');
  return { ...answer(run.base, null, a.action, seq), seq };
}

/** Actions after which the procedure moves to the next stage. */
function stageMoves(action: SelectionActInput['action']): boolean {
  return action === 'recordNomination' || action === 'setShortlist' || action === 'completeInspection' || action === 'revisePrinciples';
}

/** What an action changes in the state, at once. */
function applyAction(run: SelectionRun, a: SelectionActInput, seq: number, at: string): void {
  const { actorId } = a;
  switch (a.action) {
    case 'revisePrinciples':
      run.revising = { reason: a.reason };
      run.state.principles = a.principles;
      break;
    case 'recordNomination': {
      const eligibilityAsOf = eligibilityCutoff(run.frozen()?.principles ?? run.state.principles, a.date);
      run.state.nomination = { date: a.date, meeting: a.meeting ? { determined: a.meeting.determined, present: a.meeting.present } : null, talks: a.talks?.length ?? 0, eligibilityAsOf };
      const ids = [...new Set([...(a.meeting?.votes ?? []).map((v) => v.personId), ...(a.talks ?? []).map((t) => t.personId)])];
      for (const id of ids) {
        run.state.candidates.push(
          nominee(id, a.date, a.meeting?.votes.find((v) => v.personId === id)?.votes ?? 0, a.talks?.find((t) => t.personId === id)?.mentions ?? 0),
        );
      }
      break;
    }
    case 'setShortlist':
      for (const c of run.state.candidates) c.shortlisted = a.personIds.includes(c.personId);
      break;
    case 'recordInspection':
      run.state.inspection = { group: a.group, noticeDate: a.noticeDate, startDate: a.startDate, talks: a.talks, fieldVisit: a.fieldVisit, completedAt: null };
      break;
    case 'recordCheck': {
      const c = run.candidate(a.personId) as CandidateView;
      c.fourMusts[a.check] = { result: a.result, by: actorId, at, ...(a.note ? { note: a.note } : {}), ...(a.finding ? { finding: a.finding } : {}) };
      // A negative finding removes the candidate, with the reason recorded.
      if (a.result === 'negative') c.removed = { reason: `${a.check}: ${a.note ?? ''}`, at };
      break;
    }
    case 'signIntegrity': {
      const c = run.candidate(a.personId) as CandidateView;
      c.integrity[a.as] = actorId;
      if (a.signer?.personId) c.integritySigners = { ...c.integritySigners, [a.as]: a.signer.personId };
      break;
    }
    case 'completeInspection': {
      if (run.state.inspection) run.state.inspection.completedAt = at;
      // What the 任前政治体检 gate read when it let the inspection complete (the facts are also in the action's data).
      const requirement = run.frozen()?.principles.politicalExam;
      if (requirement) {
        const ids = run.active().map((c) => c.personId);
        run.state.politicalGate = { months: requirement.months, checkedOn: run.today(), candidates: politicalGateReadings(ids, a.politicalFacts ?? [], requirement, run.today()) };
      }
      break;
    }
    case 'linkExamination':
      run.state.examinations?.push({ personId: a.personId, workflowId: a.examinationWorkflowId, startedBy: actorId, at });
      break;
    case 'recordObjection':
      (run.candidate(a.personId) as CandidateView).objections.push({ id: `o${seq}`, text: a.text, recordedBy: actorId, at, resolution: null });
      break;
    case 'resolveObjection': {
      const o = run.state.candidates.flatMap((c) => c.objections).find((x) => x.id === a.objectionId);
      if (o) o.resolution = { outcome: a.outcome, note: a.note, by: actorId, at, ...(a.postponeUntil ? { postponeUntil: a.postponeUntil } : {}) };
      break;
    }
    case 'assess': {
      const c = run.candidate(a.personId) as CandidateView;
      c.outcome = a.result === 'fit' ? 'confirmed' : 'removedToFormerGrade';
      break;
    }
    case 'recordAppointment': {
      const c = run.candidate(a.personId) as CandidateView;
      const post = run.frozen()?.principles.post ?? run.state.principles.post;
      c.appointment = { appointedOn: a.appointedOn, noticeRef: a.noticeRef, talkOn: a.talkOn, by: actorId, at, probation: probationApplies(post, c.check), probationEndsAt: null };
      break;
    }
    case 'decidePostponed': {
      const c = run.candidate(a.personId) as CandidateView;
      if (c.postponement) c.postponement.decision = { outcome: a.outcome, note: a.note, by: actorId, at };
      break;
    }
    case 'deferVote': {
      const c = run.candidate(a.personId) as CandidateView;
      c.deferred = { reason: a.reason, by: actorId, at };
      c.decision = 'deferred';
      run.deferring = true;
      break;
    }
    case 'reconsider':
      (run.candidate(a.personId) as CandidateView).reconsideration = { reason: a.reason, agreeing: [...new Set(a.agreeing)], by: actorId, at };
      break;
    case 'openMeeting': {
      const { meeting, ...changes } = run.flow.openMeeting({ date: a.date, present: a.present, recused: run.recusedNow() }, actorId, at);
      run.meetingNow = meeting;
      run.state.meetings = [...(run.state.meetings ?? []), meeting];
      run.seated = changes;
      break;
    }
    case 'attachMinutes': {
      const meeting = run.flow.attachMinutes(a.minutesRef, actorId, at);
      run.meetingNow = meeting;
      run.state.meetings = [...(run.state.meetings ?? []).slice(0, -1), meeting];
      break;
    }
  }
}
