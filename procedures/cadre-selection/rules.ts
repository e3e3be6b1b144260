/**
 * Rules of cadre selection (干部选拔任用, DOMAIN.md §1) that are numbers, kept as data with the
 * regulation's defaults. Pure: imported by the workflow.
 */
import { addMonths, chinaDateOf } from '../../domain/dates';
import { KernelRefusal } from '../kernel/messages';
import { DEFAULT_VOTE_RULE, meetsQuorum, type Ratio } from '../kernel/vote';
import { politicalExamFresh } from '../political-examination/rules';
import { overridesProblem } from './overrides';
import {
  FOUR_MUSTS,
  SelectionRefusal,
  type CandidateView,
  type FrozenPrinciples,
  type IntegrityOffice,
  type IntegritySignerFacts,
  type PoliticalExamFacts,
  type Principles,
  type QualificationCheck,
  type SelectionPost,
  type PoliticalExamRequirement,
  type PoliticalGateReading,
  type CheckResult,
  type PersonalMattersFinding,
  type Recusal,
  type SelectionActInput,
  type SelectionStage,
  type SelectionState,
} from './messages';

export interface SelectionRules {
  /** A meeting recommendation needs this share of the determined participants present. */
  nominationQuorum: Ratio;
  /** A recommendation is valid this long, for its post only. */
  recommendationValidMonths: number;
  minInspectionGroup: number;
  /** 任前公示 lasts at least this many working days. */
  noticeWorkingDays: number;
  /** A postponement after an objection that cannot be verified yet. */
  maxPostponeMonths: number;
  probationMonths: number;
}

export const DEFAULT_SELECTION_RULES: SelectionRules = {
  nominationQuorum: { num: 2, den: 3 },
  recommendationValidMonths: 12,
  minInspectionGroup: 2,
  noticeWorkingDays: 5,
  maxPostponeMonths: 3,
  probationMonths: 12,
};

/** A person as the nomination records them: nothing checked, shortlisted or decided yet. */
export function nominee(personId: string, nominatedAt: string, meetingVotes: number, talkMentions: number): CandidateView {
  return {
    personId,
    nominatedAt,
    meetingVotes,
    talkMentions,
    check: null,
    shortlisted: false,
    removed: null,
    fourMusts: {},
    integrity: {},
    decision: null,
    objections: [],
    outcome: null,
  };
}

/** Who of those who passed the committee's vote proceed, within the post's positions. */
export interface PositionsPick {
  selected: string[];
  /** Passed, ranked below the last place. */
  notSelected: string[];
  /** Tied at the last place, more of them than places left: a new vote among them decides. */
  tied: string[];
  /** The places the tied compete for. */
  placesLeft: number;
}

/**
 * At most `positions` candidates proceed (《条例》: no more appointments than posts): those who passed, ranked
 * by 同意 count; a tie at the last place is not broken here but by a new vote among the tied.
 */
export function withinPositions(passed: readonly { candidateId: string; agree: number }[], positions: number): PositionsPick {
  const ranked = [...passed].sort((a, b) => b.agree - a.agree || a.candidateId.localeCompare(b.candidateId));
  const ids = (xs: readonly { candidateId: string }[]): string[] => xs.map((x) => x.candidateId);
  if (ranked.length <= positions) return { selected: ids(ranked), notSelected: [], tied: [], placesLeft: 0 };
  const cut = ranked[positions - 1]?.agree ?? Number.POSITIVE_INFINITY;
  const above = ranked.filter((r) => r.agree > cut);
  const atCut = ranked.filter((r) => r.agree === cut);
  const below = ranked.filter((r) => r.agree < cut);
  const placesLeft = positions - above.length;
  if (atCut.length <= placesLeft) return { selected: ids([...above, ...atCut]), notSelected: ids(below), tied: [], placesLeft: 0 };
  return { selected: ids(above), notSelected: ids(below), tied: ids(atCut), placesLeft };
}

export interface CommandProblem {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/**
 * The date a candidate's qualifications are counted to: the cut-off the principles fix, else the
 * recommendation's date. Source: common practice (任职年限、年龄等计算截止到民主推荐时, or to the date the
 * 工作方案 sets), so that a late entry or a revision cannot make a candidate eligible by the passing of time.
 */
export function eligibilityCutoff(principles: Pick<Principles, 'eligibilityDate'>, recommendationDate: string): string {
  return principles.eligibilityDate ?? recommendationDate;
}

/**
 * Whether a revision changes the post itself (its unit or its grade): a recommendation is valid only for the
 * post it was made for (《条例》, chapter 民主推荐: a recommendation names people for a specific post), so such a change voids it.
 */
export function postChanged(before: SelectionPost, after: SelectionPost): boolean {
  return before.unitId !== after.unitId || before.targetGrade !== after.targetGrade;
}

const OFFICE_NAMES: Record<IntegrityOffice, string> = { partySecretary: '党委(党组)书记 (Party secretary)', disciplineSecretary: '纪委书记/纪检组长 (discipline secretary)' };

/**
 * Who may sign a 廉洁自律 conclusion (common practice: the 廉洁自律 conclusion is signed by the unit's Party secretary
 * and its discipline secretary): a person master data records as holding `as` in the candidate's unit,
 * not the candidate, and not the one who signed the other post's signature.
 */
export function integritySignerProblem(c: Pick<CandidateView, 'personId' | 'integritySigners'>, as: IntegrityOffice, signer: IntegritySignerFacts | undefined): CommandProblem | null {
  const other: IntegrityOffice = as === 'partySecretary' ? 'disciplineSecretary' : 'partySecretary';
  const office = OFFICE_NAMES[as];
  if (!signer?.personId) {
    return { code: SelectionRefusal.integritySignerNotOfficeHolder, message: `廉洁自律: name who signed as ${office} (signedBy, a person in master data)`, details: { field: 'signedBy', rule: 'integrity.officeHolder' } };
  }
  if (signer.personId === c.personId) {
    return { code: SelectionRefusal.integritySignerIsCandidate, message: `廉洁自律: the candidate ${c.personId} cannot sign their own conclusion`, details: { field: 'signedBy', rule: 'integrity.notCandidate' } };
  }
  const holds = !!signer.candidateUnitId && signer.offices.some((o) => o.office === as && o.unitId === signer.candidateUnitId);
  if (!holds) {
    return {
      code: SelectionRefusal.integritySignerNotOfficeHolder,
      message: `廉洁自律: ${signer.personId} is not recorded in master data as ${office} of the candidate's unit ${signer.candidateUnitId ?? '(none recorded)'}`,
      details: { field: 'signedBy', rule: 'integrity.officeHolder', unitId: signer.candidateUnitId },
    };
  }
  const otherSigner = c.integritySigners?.[other];
  if (otherSigner === signer.personId) {
    return { code: SelectionRefusal.integritySameSigner, message: `廉洁自律: the two signatures are by two different people; ${signer.personId} already signed as ${OFFICE_NAMES[other]}`, details: { field: 'signedBy', rule: 'integrity.twoPeople' } };
  }
  return null;
}

/**
 * 试用期 (《条例》, chapter 任职: 提任非选举产生的领导职务 实行任职试用期制度): the probation applies to a promotion into a
 * post that is not elected; a lateral move or an elected post has none. A check without the promotion flag (from
 * before it) counts as a promotion, as every appointment had a probation then.
 */
export function probationApplies(post: Pick<SelectionPost, 'elected'>, check: Pick<QualificationCheck, 'promotion'> | null): boolean {
  return !post.elected && (check?.promotion ?? true);
}

/**
 * 职数 (《条例》, chapter 动议: 不得超职数配备, checked when the selection is proposed): the post's positions on top
 * of the unit's current holders of that grade may not exceed the approved number, unless the principles cite a
 * recorded approval. `establishment` null: the unit has no approved number of that grade recorded, so nothing
 * is checked.
 */
export function establishmentProblem(establishment: { approved: number; filled: number } | null, positions: number, approvalRef: string | undefined): CommandProblem | null {
  if (!establishment || approvalRef?.trim()) return null;
  const { approved, filled } = establishment;
  if (filled + positions <= approved) return null;
  return {
    code: SelectionRefusal.overEstablishment,
    message: `超职数配备: the unit has ${approved} approved post(s) of this grade and ${filled} held; ${positions} more would exceed it. Cite a recorded approval in overEstablishmentApproval`,
    details: { field: 'principles.post.positions', rule: 'establishment', approved, filled, positions },
  };
}

/**
 * The graded outcomes of the 个人有关事项报告 check and of complaints (《领导干部报告个人有关事项规定》; 《条例》,
 * chapter 考察: 凡提四必): 瞒报 blocks the selection (recorded negative, which removes the candidate); 漏报 needs a
 * recorded explanation (note), and the result is the decision (clear: proceed; negative: remove); 待核实 holds
 * the candidate (result pending). A complaint with concrete leads not yet concluded (未查结) is pending too.
 */
export function checkFindingProblem(a: { check: string; result: CheckResult; note?: string; finding?: PersonalMattersFinding }): CommandProblem | null {
  const p = (code: string, message: string, details: Record<string, unknown>): CommandProblem => ({ code, message, details });
  if (a.finding && a.check !== 'personalMatters') return p(KernelRefusal.invalidInput, 'finding grades the personal-matters report check only', { field: 'finding' });
  if (a.result === 'pending' && a.check !== 'personalMatters' && a.check !== 'complaints') {
    return p(KernelRefusal.invalidInput, 'only the personal-matters report and complaints can be pending verification', { field: 'result' });
  }
  if (a.check !== 'personalMatters') return null;
  if ((a.finding === 'pending') !== (a.result === 'pending')) return p(KernelRefusal.invalidInput, 'a report still under verification (finding pending) is recorded with result pending', { field: 'result' });
  if (a.finding === 'concealment' && a.result !== 'negative') {
    return p(SelectionRefusal.personalMattersConcealed, '个人有关事项报告: 瞒报 (concealment) blocks the selection; record the check negative, with the reason', { field: 'result', rule: 'personalMatters.concealment' });
  }
  if (a.finding === 'minorOmission' && !a.note?.trim()) {
    return p(KernelRefusal.invalidInput, '个人有关事项报告: 漏报 (an omission) needs the explanation recorded with the decision', { field: 'note', rule: 'personalMatters.omission' });
  }
  if (a.finding === 'consistent' && a.result === 'negative') return p(KernelRefusal.invalidInput, 'a report found consistent (一致) is not a negative finding', { field: 'result' });
  return null;
}

/**
 * 回避 (《条例》, chapter 回避: a member of the committee whose relative is under discussion withdraws; the relations
 * are those of 《领导干部任职回避暂行规定》): why `memberId` may not vote, or null. A recused member counts toward
 * 应到会 but is never present, since their ballot is refused.
 */
export function recusalProblem(recusals: readonly Recusal[] | undefined, memberId: string, candidates: readonly string[]): CommandProblem | null {
  const r = recusals?.find((x) => x.memberId === memberId && candidates.includes(x.candidateId));
  if (!r) return null;
  return {
    code: SelectionRefusal.recusedMember,
    message: `回避: ${memberId} is related to the candidate ${r.candidateId} (${r.relation}) and does not vote; they count toward 应到会 but not as present`,
    details: { rule: 'recusal.committee', candidateId: r.candidateId, relation: r.relation },
  };
}

/**
 * 回避 of recommenders (《条例》 chapter 回避 and 《领导干部任职回避暂行规定》: a person related to a candidate withdraws from
 * the work concerning them, recommendation included): a talk recommender who named their own relative, or a
 * participant of the meeting recommendation related to a candidate recommended there (the meeting's votes are
 * secret, so taking part is enough). `recusals` are the relations the API read; null when none applies.
 */
export function recommenderRecusalProblem(
  a: { meeting?: { votes: readonly { personId: string }[]; participants?: readonly string[] }; talks?: readonly { personId: string; recommenders?: readonly string[] }[] },
  recusals: readonly Recusal[] | undefined,
): CommandProblem | null {
  const related = (who: string, candidates: readonly string[]): Recusal | undefined => recusals?.find((r) => r.memberId === who && candidates.includes(r.candidateId));
  const refused = (field: string, r: Recusal): CommandProblem => ({
    code: SelectionRefusal.recusedMember,
    message: `回避: recommender ${r.memberId} is related to the candidate ${r.candidateId} (${r.relation}) and cannot take part in recommending them`,
    details: { field, rule: 'recusal.recommender', candidateId: r.candidateId, relation: r.relation },
  });
  for (const [i, t] of (a.talks ?? []).entries()) {
    for (const [j, who] of (t.recommenders ?? []).entries()) {
      const r = related(who, [t.personId]);
      if (r) return refused(`talks[${i}].recommenders[${j}]`, r);
    }
  }
  const onMeeting = (a.meeting?.votes ?? []).map((v) => v.personId);
  for (const [j, who] of (a.meeting?.participants ?? []).entries()) {
    const r = related(who, onMeeting);
    if (r) return refused(`meeting.participants[${j}]`, r);
  }
  return null;
}

/**
 * 复议 (common practice of 党委(党组) rules of procedure, 议事规则: a decided matter is reopened only when more
 * than half of the members agree): `agreeing` must be members, distinct, more than half of them.
 */
export function reconsiderationProblem(members: readonly string[], agreeing: readonly string[]): CommandProblem | null {
  const unique = [...new Set(agreeing)];
  const strangers = unique.filter((m) => !members.includes(m));
  if (strangers.length) return { code: KernelRefusal.invalidInput, message: `agreeing: ${strangers.length} named are not members of the committee`, details: { field: 'agreeing' } };
  if (unique.length * 2 <= members.length) {
    return {
      code: SelectionRefusal.reconsiderationNotAgreed,
      message: `复议 needs more than half of the committee's ${members.length} members to agree; ${unique.length} did`,
      details: { field: 'agreeing', rule: 'reconsideration.majority', members: members.length, agreeing: unique.length },
    };
  }
  return null;
}

/** The default age limit of the 任前政治体检 (DOMAIN.md: 12 months). */
export const DEFAULT_POLITICAL_EXAM_MONTHS = 12;

/**
 * Each candidate's standing at the 任前政治体检 gate on `today` (a China date), from the files the API read.
 * Freshness is the examination module's own rule (politicalExamFresh), not a second copy of it; a
 * candidate whose file the API did not send counts as having none.
 */
export function politicalGateReadings(personIds: readonly string[], facts: readonly PoliticalExamFacts[], requirement: PoliticalExamRequirement, today: string): PoliticalGateReading[] {
  return personIds.map((personId) => {
    const entries = facts.find((f) => f.personId === personId)?.entries ?? [];
    const fresh = politicalExamFresh(entries, requirement.months, today);
    const latest = fresh.latest ? (entries.find((e) => e === fresh.latest) ?? null) : null;
    const status = fresh.fresh ? 'fresh' : fresh.reason === 'failing' ? 'poor' : (fresh.reason ?? 'missing');
    return { personId, status, latest };
  });
}

/**
 * Why the 任前政治体检 blocks the decision stage, or null: a candidate without an examination, with only one
 * older than the requirement's months, or with a 较差 result. Requirement absent: no gate.
 */
export function politicalGateProblem(personIds: readonly string[], facts: readonly PoliticalExamFacts[], requirement: PoliticalExamRequirement | undefined, today: string): CommandProblem | null {
  if (!requirement) return null;
  const blocked = politicalGateReadings(personIds, facts, requirement, today).filter((r) => r.status !== 'fresh');
  if (blocked.length === 0) return null;
  return {
    code: SelectionRefusal.politicalExamRequired,
    message:
      `任前政治体检: the principles require each candidate's political examination to be at most ${requirement.months} months old and not 较差 ` +
      `before the decision; not met for ${blocked.map((b) => `${b.personId} (${b.status})`).join(', ')}`,
    details: { rule: 'principles.politicalExam', months: requirement.months, candidates: blocked.map((b) => ({ personId: b.personId, status: b.status, examinedOn: b.latest?.examinedOn ?? null })) },
  };
}

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
        const bad = a.principles.qualificationOverrides && overridesProblem(a.principles.qualificationOverrides);
        if (bad) return p(KernelRefusal.invalidInput, `principles.qualificationOverrides.${bad.key}: ${bad.message}`, { field: `principles.qualificationOverrides.${bad.key}` });
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
