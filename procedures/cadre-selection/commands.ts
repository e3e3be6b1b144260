/**
 * The staff commands of a selection: the stage each belongs to, and every rule that refuses one now, as one
 * pure function (commandProblem) the workflow's Update validator applies. Pure: imported by the workflow.
 */
import { addMonths, chinaDateOf } from '../../domain/dates';
import { KernelRefusal } from '../kernel/messages';
import { DEFAULT_VOTE_RULE, meetsQuorum } from '../kernel/vote';
import { FOUR_MUSTS, SelectionRefusal, type CandidateView, type FrozenPrinciples, type SelectionActInput, type SelectionStage, type SelectionState } from './messages';
import { overridesRefusal } from './overrides';
import { politicalGateProblem } from './political-gate';
import { checkFindingProblem, eligibilityCutoff, integritySignerProblem, postChanged, reconsiderationProblem, recommenderRecusalProblem, type CommandProblem, type SelectionRules } from './rules';

export interface CommandContext {
  state: Pick<SelectionState, 'status' | 'stage' | 'candidates' | 'nomination' | 'inspection' | 'probationEndsAt' | 'examinations'> & Partial<Pick<SelectionState, 'notice'>>;
  frozen: FrozenPrinciples | undefined;
  initiatorId: string;
  /** The China date today, and the instant now (ms). */
  today: string;
  now: number;
  rules: SelectionRules;
  /** The committee vote now running, if any (members, candidates, who has voted). */
  vote?: { candidates: readonly string[]; members: readonly string[]; voted: readonly string[] } | null;
  /** The committee's members (user ids), for 复议. */
  committee?: readonly string[];
}

/** The stages in which each staff command is taken (the first rule commandProblem applies); the state lists those of its stage. */
export const COMMAND_STAGES: Record<SelectionActInput['action'], readonly SelectionStage[]> = {
  revisePrinciples: ['nomination', 'shortlist', 'inspection'],
  recordNomination: ['nomination'],
  setShortlist: ['shortlist'],
  recordInspection: ['inspection'],
  recordCheck: ['inspection'],
  signIntegrity: ['inspection'],
  completeInspection: ['inspection'],
  linkExamination: ['nomination', 'shortlist', 'inspection'],
  recordObjection: ['publicNotice'],
  resolveObjection: ['publicNotice'],
  recordAppointment: ['appointment'],
  decidePostponed: ['publicNotice'],
  deferVote: ['decision'],
  reconsider: ['publicNotice'],
  openMeeting: ['decision'],
  attachMinutes: ['decision'],
  assess: ['probation'],
};

/** The staff commands a selection at `stage` takes (its state query lists them, for a client to offer). */
export function commandsAt(stage: SelectionStage): SelectionActInput['action'][] {
  return (Object.keys(COMMAND_STAGES) as SelectionActInput['action'][]).filter((a) => COMMAND_STAGES[a].includes(stage));
}

/**
 * Why a staff action on a selection is refused now, or null: every rule of the stages, as one pure
 * function. The workflow's Update validator throws what this returns; the unit tests call it directly.
 */
export function commandProblem(ctx: CommandContext, a: SelectionActInput): CommandProblem | null {
  const { state, rules, today } = ctx;
  const frozen = ctx.frozen;
  const p = (code: string, message: string, details?: Record<string, unknown>): CommandProblem => ({ code, message, ...(details ? { details } : {}) });
  if (state.status !== 'open') return p(SelectionRefusal.wrongStage, 'the selection is closed');
  if (a.actorId !== ctx.initiatorId && !a.actorRoles.includes('staff')) return p(KernelRefusal.notAllowed, 'only the initiator or staff (role staff) act on the stages');
  const stageIs = (): CommandProblem | null => {
    const stages = COMMAND_STAGES[a.action];
    return stages.includes(state.stage) ? null : p(SelectionRefusal.wrongStage, `${a.action} belongs to the ${stages.join(' or ')} stage; the selection is at ${state.stage}`);
  };
  const candidate = (personId: string): CandidateView | undefined => state.candidates.find((c) => c.personId === personId);
  const active = (): CandidateView[] => state.candidates.filter((c) => c.shortlisted && !c.removed);
  const notNominated = p(KernelRefusal.invalidInput, 'personId was not nominated', { field: 'personId' });
  switch (a.action) {
    case 'revisePrinciples':
      if (!frozen) return p(SelectionRefusal.wrongStage, 'the principles are not frozen yet; they are still being approved');
      {
        const bad = overridesRefusal(a.principles);
        if (bad) return p(bad.code, bad.message, bad.details);
      }
      // The cut-off is fixed with the recommendation; only a change of post (which voids the recommendation) starts afresh.
      if (state.nomination && frozen && !postChanged(frozen.principles.post, a.principles.post) && a.principles.eligibilityDate !== frozen.principles.eligibilityDate) {
        return p(
          SelectionRefusal.eligibilityDateFixed,
          `the eligibility cut-off (${state.nomination.eligibilityAsOf ?? eligibilityCutoff(frozen.principles, state.nomination.date)}) is fixed once the recommendation is recorded; a revision cannot move it`,
          { field: 'principles.eligibilityDate' },
        );
      }
      return stageIs() ?? (a.reason.trim() ? null : p(KernelRefusal.invalidInput, 'changing frozen principles needs a reason', { field: 'reason' }));
    case 'recordNomination': {
      if (state.stage === 'principles') return p(SelectionRefusal.principlesNotFrozen, '先定原则、再商人头: no candidate name can be entered before the principles are approved and frozen');
      const wrong = stageIs();
      if (wrong) return wrong;
      const method = frozen?.principles.method;
      if ((method === 'meeting' || method === 'both') && !a.meeting) return p(KernelRefusal.invalidInput, `the principles call for a meeting recommendation (${method})`, { field: 'meeting' });
      if ((method === 'talk' || method === 'both') && !a.talks?.length) return p(KernelRefusal.invalidInput, `the principles call for talk recommendations (${method})`, { field: 'talks' });
      if (a.meeting) {
        const { determined, present } = a.meeting;
        if (present > determined) return p(KernelRefusal.invalidInput, 'more present than determined participants', { field: 'meeting.present' });
        if (!meetsQuorum({ ...DEFAULT_VOTE_RULE, quorum: rules.nominationQuorum }, determined, present)) {
          return p(
            SelectionRefusal.nominationQuorumNotMet,
            `the meeting recommendation needs at least ${rules.nominationQuorum.num}/${rules.nominationQuorum.den} of the ${determined} determined participants present; ${present} were`,
            { field: 'meeting.present' },
          );
        }
      }
      if (a.date > today) return p(KernelRefusal.invalidInput, 'the recommendation cannot be dated in the future', { field: 'date' });
      {
        const recused = recommenderRecusalProblem(a, a.recommenderRecusals);
        if (recused) return recused;
      }
      if (frozen?.principles.eligibilityDate && frozen.principles.eligibilityDate > today) {
        return p(KernelRefusal.invalidInput, `the eligibility cut-off ${frozen.principles.eligibilityDate} is in the future: service not yet done cannot count`, { field: 'principles.eligibilityDate' });
      }
      // The frozen version in force: after a revision, the new version's freeze.
      const frozenOn = frozen ? chinaDateOf(new Date(frozen.frozenAt)) : null;
      if (frozenOn && a.date < frozenOn) {
        return p(
          SelectionRefusal.recommendationBeforePrinciples,
          `先定原则、再商人头: the recommendation of ${a.date} comes before the principles (v${frozen?.version}) were frozen on ${frozenOn}`,
          { field: 'date', frozenOn, version: frozen?.version },
        );
      }
      return null;
    }
    case 'setShortlist': {
      const wrong = stageIs();
      if (wrong) return wrong;
      for (const id of a.personIds) {
        const c = candidate(id);
        if (!c) return notNominated;
        if (!c.check?.eligible) {
          const failed = c.check?.results.filter((r) => r.applicable && !r.passed).map((r) => r.predicate) ?? [];
          return p(SelectionRefusal.candidateNotEligible, `${id} does not meet the frozen principles (v${frozen?.version}): ${failed.join(', ')}`, { personId: id, failed });
        }
      }
      if (state.nomination && addMonths(state.nomination.date, rules.recommendationValidMonths) < today) {
        return p(SelectionRefusal.recommendationExpired, `the recommendation of ${state.nomination.date} is older than ${rules.recommendationValidMonths} months`);
      }
      const positions = frozen?.principles.post.positions ?? 1;
      const competitive = a.personIds.length > positions;
      const concentrated = !!a.concentratedOpinion?.trim() && positions === 1 && !frozen?.principles.generalElection;
      if (!competitive && !concentrated) {
        return p(
          SelectionRefusal.shortlistNotCompetitive,
          `差额: ${a.personIds.length} candidate(s) for ${positions} position(s); more candidates than positions are needed, unless the department records that opinions are concentrated on an individual promotion (not in a general election)`,
          { field: 'personIds' },
        );
      }
      return null;
    }
    case 'recordInspection': {
      const wrong = stageIs();
      if (wrong) return wrong;
      if (new Set(a.group).size < rules.minInspectionGroup) return p(SelectionRefusal.inspectionIncomplete, `an inspection group needs at least ${rules.minInspectionGroup} people`, { field: 'group' });
      if (a.noticeDate >= a.startDate) return p(SelectionRefusal.inspectionIncomplete, 'the notice must come before the inspection starts', { field: 'noticeDate' });
      if (a.talks < 1) return p(SelectionRefusal.inspectionIncomplete, 'the inspection needs individual talks', { field: 'talks' });
      if (!a.fieldVisit) return p(SelectionRefusal.inspectionIncomplete, 'the inspection needs a field visit', { field: 'fieldVisit' });
      // 回避 (《条例》, chapter 回避): a member of the inspection group related to a candidate withdraws from it.
      const related = a.groupRecusals?.find((r) => a.group.includes(r.memberId) && active().some((c) => c.personId === r.candidateId));
      if (related) {
        return p(SelectionRefusal.recusedMember, `回避: ${related.memberId} is related to the candidate ${related.candidateId} (${related.relation}) and cannot be in the inspection group`, {
          field: 'group',
          rule: 'recusal.inspectionGroup',
          candidateId: related.candidateId,
          relation: related.relation,
        });
      }
      for (const c of active()) {
        if (!a.evaluations.some((e) => e.personId === c.personId)) {
          return p(SelectionRefusal.inspectionIncomplete, `the democratic evaluation (民主测评) of ${c.personId} is missing`, { field: 'evaluations' });
        }
      }
      return null;
    }
    case 'recordCheck':
    case 'signIntegrity': {
      const wrong = stageIs();
      if (wrong) return wrong;
      const c = candidate(a.personId);
      if (!c) return notNominated;
      if (!c.shortlisted || c.removed) return p(SelectionRefusal.candidateNotEligible, `${a.personId} is not an inspection candidate`, { field: 'personId' });
      if (a.action === 'signIntegrity' && c.integrity[a.as]) return p(KernelRefusal.invalidInput, `the ${a.as} has already signed for ${a.personId}`, { field: 'as' });
      if (a.action === 'signIntegrity') return integritySignerProblem(c, a.as, a.signer);
      if (a.action === 'recordCheck' && a.result === 'negative' && !a.note?.trim()) return p(KernelRefusal.invalidInput, 'a negative finding needs the reason recorded', { field: 'note' });
      if (a.action === 'recordCheck') return checkFindingProblem(a);
      return null;
    }
    case 'completeInspection': {
      const wrong = stageIs();
      if (wrong) return wrong;
      if (!state.inspection) return p(SelectionRefusal.inspectionIncomplete, 'record the inspection (group, notice, talks, evaluation, field visit) first');
      if (active().length === 0) return p(SelectionRefusal.inspectionIncomplete, 'no candidate remains');
      for (const c of active()) {
        const pending = FOUR_MUSTS.filter((m) => c.fourMusts[m]?.result === 'pending');
        if (pending.length) {
          return p(SelectionRefusal.checkPending, `${c.personId} is held: ${pending.join(', ')} still under verification (待核实 / 未查结)`, { personId: c.personId, pending, rule: 'fourMusts.pending' });
        }
        const missing = FOUR_MUSTS.filter((m) => c.fourMusts[m]?.result !== 'clear');
        if (missing.length) return p(SelectionRefusal.inspectionIncomplete, `凡提四必 for ${c.personId}: ${missing.join(', ')} not recorded clear`, { personId: c.personId, missing });
        if (!c.integrity.partySecretary || !c.integrity.disciplineSecretary) {
          return p(SelectionRefusal.inspectionIncomplete, `the 廉洁自律 conclusion for ${c.personId} needs both the Party secretary's and the discipline secretary's signatures`, { personId: c.personId });
        }
      }
      return politicalGateProblem(
        active().map((c) => c.personId),
        a.politicalFacts ?? [],
        frozen?.principles.politicalExam,
        today,
      );
    }
    case 'linkExamination': {
      const wrong = stageIs();
      if (wrong) return wrong;
      const c = candidate(a.personId);
      if (!c) return notNominated;
      if (c.removed) return p(SelectionRefusal.candidateNotEligible, `${a.personId} was removed from the selection`, { field: 'personId' });
      if (state.examinations?.some((e) => e.workflowId === a.examinationWorkflowId)) return p(KernelRefusal.invalidInput, 'this examination is already linked to the selection', { field: 'examinationId' });
      return null;
    }
    case 'recordObjection': {
      const wrong = stageIs();
      if (wrong) return wrong;
      const c = candidate(a.personId);
      if (!c) return notNominated;
      if (c.decision !== 'passed') return p(KernelRefusal.invalidInput, `${a.personId} is not on public notice`, { field: 'personId' });
      return null;
    }
    case 'resolveObjection': {
      const wrong = stageIs();
      if (wrong) return wrong;
      const o = state.candidates.flatMap((c) => c.objections).find((x) => x.id === a.objectionId);
      if (!o) return p(KernelRefusal.invalidInput, 'objectionId does not exist', { field: 'objectionId' });
      if (o.resolution) return p(KernelRefusal.invalidInput, `objection ${o.id} is already resolved`, { field: 'objectionId' });
      if (a.outcome === 'postpone') {
        const latest = addMonths(today, rules.maxPostponeMonths);
        if (a.postponeUntil && a.postponeUntil <= today) return p(KernelRefusal.invalidInput, `a postponement runs until a future date, after ${today}`, { field: 'postponeUntil' });
        if (!a.postponeUntil || a.postponeUntil > latest) {
          return p(SelectionRefusal.postponeTooLong, `a postponement needs a date no later than ${latest} (${rules.maxPostponeMonths} months)`, { field: 'postponeUntil' });
        }
      }
      return null;
    }
    case 'recordAppointment': {
      const wrong = stageIs();
      if (wrong) return wrong;
      const c = candidate(a.personId);
      if (!c) return notNominated;
      if (c.outcome !== 'appointed') return p(KernelRefusal.invalidInput, `${a.personId} is not to be appointed`, { field: 'personId' });
      if (c.appointment) return p(KernelRefusal.invalidInput, `the appointment of ${a.personId} is already recorded`, { field: 'personId' });
      if (a.appointedOn > today) return p(KernelRefusal.invalidInput, 'the appointment cannot be dated in the future', { field: 'appointedOn' });
      if (a.talkOn > today) return p(KernelRefusal.invalidInput, 'the 任职谈话 cannot be dated in the future', { field: 'talkOn' });
      if (state.notice && a.appointedOn < state.notice.startDate) return p(KernelRefusal.invalidInput, `the appointment comes after the public notice (from ${state.notice.startDate})`, { field: 'appointedOn' });
      return null;
    }
    case 'decidePostponed': {
      const wrong = stageIs();
      if (wrong) return wrong;
      const c = candidate(a.personId);
      if (!c) return notNominated;
      const pp = c.postponement;
      if (!pp || pp.decision) return p(KernelRefusal.invalidInput, `${a.personId} has no postponement awaiting the final decision`, { field: 'personId' });
      // The workflow's timer decides when it has run out (remindedAt), so the rule and the wait cannot disagree.
      if (!pp.remindedAt) {
        return p(SelectionRefusal.postponementNotDue, `the postponement of ${a.personId} runs until ${pp.until}; the final decision comes after it`, { field: 'personId', until: pp.until });
      }
      if (!a.note.trim()) return p(KernelRefusal.invalidInput, 'the final decision needs a note', { field: 'note' });
      return null;
    }
    case 'deferVote': {
      const wrong = stageIs();
      if (wrong) return wrong;
      const c = candidate(a.personId);
      if (!c) return notNominated;
      const v = ctx.vote;
      if (!v || !v.candidates.includes(a.personId)) return p(KernelRefusal.invalidInput, `${a.personId} is not a candidate of the vote now open`, { field: 'personId' });
      // 《条例》, chapter 讨论决定: when opinions differ widely or a major issue is unclear, the vote is deferred (暂缓表决), before voting.
      if (v.voted.length > 0) return p(SelectionRefusal.voteAlreadyStarted, `暂缓表决 is decided before the vote; ${v.voted.length} member(s) have voted`, { field: 'personId', rule: 'deferVote.beforeVote' });
      if (!a.reason.trim()) return p(KernelRefusal.invalidInput, '暂缓表决 needs the reason recorded', { field: 'reason' });
      return null;
    }
    case 'reconsider': {
      const wrong = stageIs();
      if (wrong) return wrong;
      const c = candidate(a.personId);
      if (!c) return notNominated;
      if (c.decision !== 'notPassed' && c.decision !== 'rejected' && c.decision !== 'deferred') {
        return p(KernelRefusal.invalidInput, `复议 reopens a vote on a candidate not passed or deferred; ${a.personId} is ${c.decision ?? 'undecided'}`, { field: 'personId' });
      }
      if (c.reconsideration) return p(KernelRefusal.invalidInput, `the vote on ${a.personId} is already reopened`, { field: 'personId' });
      if (state.notice && ctx.now >= Date.parse(state.notice.endsAt)) return p(SelectionRefusal.wrongStage, `复议 comes while the public notice runs; it ended at ${state.notice.endsAt}`);
      if (!a.reason.trim()) return p(KernelRefusal.invalidInput, '复议 needs the reason recorded', { field: 'reason' });
      return reconsiderationProblem(ctx.committee ?? [], a.agreeing);
    }
    case 'openMeeting':
    case 'attachMinutes':
      // 《条例》 art. 28: the committee decides at a meeting; its attendance and minutes are the kernel vote's rules (kernel/vote.ts).
      return stageIs();
    case 'assess': {
      const wrong = stageIs();
      if (wrong) return wrong;
      const c = candidate(a.personId);
      // Each appointment's own probation when recorded; the selection's otherwise (selections from before it).
      const endsAt = c?.appointment ? c.appointment.probationEndsAt : state.probationEndsAt;
      if (c?.appointment && !c.appointment.probation) return p(KernelRefusal.invalidInput, `${a.personId} has no probation (not a promotion into a non-elected post)`, { field: 'personId' });
      if (!endsAt || ctx.now < Date.parse(endsAt)) return p(SelectionRefusal.wrongStage, `the probation ends at ${endsAt ?? '?'}`);
      if (!c) return notNominated;
      if (c.outcome !== 'appointed') return p(KernelRefusal.invalidInput, `${a.personId} is not on probation`, { field: 'personId' });
      return null;
    }
  }
  return null;
}
