/**
 * Rules of cadre selection (干部选拔任用, DOMAIN.md §1) that are numbers, kept as data with the
 * regulation's defaults, and the single checks (positions, 职数, 廉洁 signers, 回避, 复议) the staff commands
 * (commands.ts) and the workflow apply. Pure: imported by the workflow.
 */
import { KernelRefusal } from '../kernel/messages';
import type { Ratio } from '../kernel/vote';
import { barsInForce, type BarRecord } from '../../domain/promotion-bars';
import { SelectionRefusal, type CandidateView, type IntegrityOffice, type IntegritySignerFacts, type Principles, type QualificationCheck, type SelectionPost, type CheckResult, type PersonalMattersFinding, type Recusal, type NotSelectedReason } from './messages';

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

/**
 * Why a candidate who passed the vote does not proceed (decision notSelected): the rule withinPositions (《条例》, chapter
 * 讨论决定: no more candidates go on than there are positions), the places, the candidate's rank by 同意 among those who
 * passed, and the 同意 of the last place taken. Ranked as withinPositions ranks; null for someone who did not pass.
 */
export function notSelectedReason(passed: readonly { candidateId: string; agree: number }[], places: number, candidateId: string): NotSelectedReason | null {
  const me = passed.find((p) => p.candidateId === candidateId);
  if (!me) return null;
  const agrees = passed.map((p) => p.agree).sort((a, b) => b - a);
  const rank = 1 + agrees.filter((a) => a > me.agree).length;
  const lastPlaceAgree = agrees[places - 1] ?? me.agree;
  return {
    rule: 'withinPositions',
    places,
    rank,
    agree: me.agree,
    lastPlaceAgree,
    reason: `withinPositions: ${passed.length} passed for ${places} place(s); ranked ${rank} by 同意 (${me.agree}), below the last place taken (${lastPlaceAgree} 同意)`,
  };
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
 * 影响期 at the promotion itself: a candidate inside a bar (a sanction, 诫勉, 组织处理 or an annual assessment of
 * 基本称职/不称职, domain/promotion-bars.ts) on the date the committee decides (the meeting's date) or on the
 * appointment date is not promoted. The bars are about the promotion (《中国共产党纪律处分条例》: 警告 一年内…不得在党内
 * 提升职务; 《公职人员政务处分法》 art. 8; 《关于对党员领导干部进行诫勉的规定》: 诫勉 六个月内不得提拔), so a record dated after the
 * recommendation still stops the candidate, and a bar that has ended by then does not. The same rule as the
 * predicate promotionBars at the eligibility cut-off (barsInForce). `people`: each candidate with their records.
 */
export function promotionBarProblem(
  people: readonly { personId: string; records: readonly BarRecord[] }[],
  asOf: string,
  at: 'decision' | 'appointment',
): CommandProblem | null {
  for (const { personId, records } of people) {
    const inForce = barsInForce(records, asOf);
    if (inForce.length === 0) continue;
    const bars = inForce.map(({ record: r, until }) => ({ kind: r.kind, category: r.category, date: r.date, until, ref: r.ref ?? null }));
    return {
      code: SelectionRefusal.candidateNotEligible,
      message:
        `影响期内不得提拔: ${personId} is inside a bar on ${asOf}, the date of the ${at}: ` +
        bars.map((b) => `${b.category} (${b.kind}) of ${b.date}, bar until ${b.until}`).join('; ') +
        (at === 'decision' ? '. Defer the vote on the candidate (deferVote) or hold the meeting once the bar has ended' : '. The appointment comes once the bar has ended'),
      details: { field: at === 'decision' ? 'date' : 'appointedOn', personId, rule: 'promotionBars', failed: ['promotionBars'], asOf, bars },
    };
  }
  return null;
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
