/** Messages and payloads of cadre selection (干部选拔任用, 先定原则、再商人头; DOMAIN.md §1). Deterministic: bundled. */
import { defineUpdate } from '@temporalio/workflow';
import type { QualificationResult } from '../../domain/qualifications';
import type { ActionRecord, ActResult, AssigneeRule, ResolvedAssignees, Role, TaskView } from '../kernel/messages';
import type { MeetingRecord } from '../kernel/vote';
import type { StepRunView } from '../kernel/approval';

export const CADRE_SELECTION = 'cadreSelection' as const;

export const SelectionRefusal = {
  /** A selection action that does not belong to the current stage. */
  wrongStage: 'wrong_stage',
  /** 先定原则、再商人头: no name before the principles are approved and frozen. */
  principlesNotFrozen: 'principles_not_frozen',
  /**
   * 先定原则、再商人头, by date: a recommendation dated before the day (China time) its principles' version was
   * frozen was made before the principles were fixed.
   */
  recommendationBeforePrinciples: 'recommendation_before_principles',
  /** A meeting recommendation with fewer than 2/3 of the determined participants present. */
  nominationQuorumNotMet: 'nomination_quorum_not_met',
  /** A candidate who fails the frozen principles' qualification predicates, or was removed. */
  candidateNotEligible: 'candidate_not_eligible',
  /** 差额: more candidates than positions, unless opinions are concentrated on an individual promotion. */
  shortlistNotCompetitive: 'shortlist_not_competitive',
  /** A recommendation is valid for one year. */
  recommendationExpired: 'recommendation_expired',
  /** Inspection rules: group of 2+, notice before it starts, talks, field visit, 凡提四必, 廉洁 signatures. */
  inspectionIncomplete: 'inspection_incomplete',
  /** A postponement after an objection is for at most 3 months. */
  postponeTooLong: 'postpone_too_long',
  /** 任前政治体检: the principles require a recent political examination of each candidate before the decision. */
  politicalExamRequired: 'political_exam_required',
  /**
   * The eligibility cut-off (任职资格计算截止日期) is fixed once the recommendation is recorded: a revision of
   * the principles may not move it (only a change of post, which voids the recommendation, starts afresh).
   */
  eligibilityDateFixed: 'eligibility_date_fixed',
  /** 廉洁自律 signature by someone master data does not record as holding that post in the candidate's unit. */
  integritySignerNotOfficeHolder: 'integrity_signer_not_office_holder',
  /** 廉洁自律 signature by the candidate. */
  integritySignerIsCandidate: 'integrity_signer_is_candidate',
  /** Both 廉洁自律 signatures by one person. */
  integritySameSigner: 'integrity_same_signer',
  /** The final decision on a postponed candidate before the postponement has run out. */
  postponementNotDue: 'postponement_not_due',
  /** 暂缓表决 is decided before the vote: refused once a member has voted. */
  voteAlreadyStarted: 'vote_already_started',
  /** 复议 needs more than half of the committee's members to agree to reopen. */
  reconsiderationNotAgreed: 'reconsideration_not_agreed',
  /** 个人有关事项报告: 瞒报 (concealment) blocks the selection; the check cannot be recorded clear. */
  personalMattersConcealed: 'personal_matters_concealed',
  /** 待核实 / 未查结: a check still under verification holds the candidate; the inspection cannot complete. */
  checkPending: 'check_pending',
  /** 超职数配备: the post would take the unit over its approved number of that grade, without a recorded approval. */
  overEstablishment: 'over_establishment',
  /** 回避: a committee member related to a candidate on the ballot does not vote. */
  recusedMember: 'recused_member',
  /**
   * A per-post qualification override (`principles.qualificationOverrides`) that is not a rule, has a value of
   * the wrong kind, or loosens a statutory limit (overrides.ts); `details.field` names the key.
   */
  invalidQualificationOverride: 'invalid_qualification_override',
} as const;
export type SelectionRefusalCode = (typeof SelectionRefusal)[keyof typeof SelectionRefusal];

export const SELECTION_STATUSES = ['open', 'closed'] as const;


/** appointment: the 任职通知 and 任职谈话 are recorded for each appointed candidate (selections from before it skip it). */
export const SELECTION_STAGES = ['principles', 'nomination', 'shortlist', 'inspection', 'decision', 'publicNotice', 'appointment', 'probation', 'closed'] as const;
export type SelectionStage = (typeof SELECTION_STAGES)[number];

export interface SelectionPost {
  title: string;
  unitId: string;
  /** How many people the post takes. */
  positions: number;
  /** The grade of the post (a key of domain/grades.ts). */
  targetGrade: string;
  isPartyPost: boolean;
  /** Party posts: years of Party standing required. */
  minPartyYears?: number;
  /** 年龄: the upper age (周岁) at the eligibility cut-off (domain/qualifications.ts maxAge). Absent: no limit. */
  maxAge?: number;
  /** 选举产生的职务: an elected post, which has no probation (试用期 applies to non-elected leading posts). */
  elected?: boolean;
  /** 破格提拔, with the superior organisation department's prior consent (domain/qualifications.ts outOfTurn). */
  outOfTurn?: { consentRef: string };
}

/** 原则: fixed and frozen before any name is discussed. */
export interface Principles {
  post: SelectionPost;
  /** Per-post overrides of the qualification rules (domain/qualifications.ts), by rule name. */
  qualificationOverrides?: Record<string, unknown>;
  candidateScope: string;
  /** 民主推荐 by talks (谈话调研推荐), a meeting (会议推荐), or both. */
  method: 'talk' | 'meeting' | 'both';
  timetable: string;
  /** 换届: a general election, always 差额. */
  generalElection?: boolean;
  /**
   * 任前政治体检: before the decision stage, each candidate's newest political-quality examination
   * (政治素质考察, in the political-quality file) is at most `months` old and not 较差. Absent: not required.
   */
  politicalExam?: PoliticalExamRequirement;
  /**
   * 任职资格计算截止日期: the date the qualifications are counted to (YYYY-MM-DD). Absent: the recommendation's
   * date (民主推荐时). Fixed once the recommendation is recorded (eligibility_date_fixed).
   */
  eligibilityDate?: string;
  /** 超职数配备: the recorded approval (document reference) that lets the post exceed the unit's 职数. */
  overEstablishmentApproval?: string;
}

export interface PoliticalExamRequirement {
  months: number;
}

/** An examination in a candidate's political-quality file, as the API read it for the gate. */
export interface PoliticalFileFact {
  examinationId: string;
  /** The China date the examination closed. */
  examinedOn: string;
  grade: string;
}

/** A candidate's political-quality file as the API read it (table political_file_entry), for the gate. */
export interface PoliticalExamFacts {
  personId: string;
  entries: PoliticalFileFact[];
}

/** Where a candidate stands at the 任前政治体检 gate. */
export type PoliticalGateStatus = 'fresh' | 'missing' | 'expired' | 'poor';

export interface PoliticalGateReading {
  personId: string;
  status: PoliticalGateStatus;
  /** The newest examination the reading rests on, if any. */
  latest: PoliticalFileFact | null;
}

/** A political examination staff started from the selection for one of its candidates. */
export interface LinkedExamination {
  personId: string;
  workflowId: string;
  startedBy: string;
  at: string;
}

export interface FrozenPrinciples {
  version: number;
  /** sha256 of the canonical JSON of the principles, also in the audit chain. */
  hash: string;
  frozenAt: string;
  principles: Principles;
  /** Why a later version replaced the earlier one. */
  reason?: string;
}

export interface CadreSelectionInput {
  selectionId: string;
  title: string;
  initiatorId: string;
  principles: Principles;
  /** The leaders' meeting that approves the principles (all must approve). */
  principlesApprovers: AssigneeRule;
  /** The Party committee (党委/党组) whose members vote in the decision. */
  committee: AssigneeRule;
  /** The principal leader, who votes last. */
  principalId?: string;
  assignees: ResolvedAssignees;
}

/** One predicate of the qualification check, with the fact it used (domain/qualifications.ts). */
export type PredicateResult = Omit<QualificationResult, 'predicate'> & { predicate: string };

export interface QualificationCheck {
  personId: string;
  principlesVersion: number;
  /** The date the check counted to (the eligibility cut-off). Absent in checks from before the cut-off rule. */
  asOf?: string;
  /** Whether the post is a promotion for the candidate (a higher grade). Absent in older checks: taken as a promotion. */
  promotion?: boolean;
  eligible: boolean;
  results: PredicateResult[];
}

export const CHECK_RESULTS = ['clear', 'negative', 'pending'] as const;
export type CheckResult = (typeof CHECK_RESULTS)[number];

export const PERSONAL_MATTERS_FINDINGS = ['consistent', 'minorOmission', 'concealment', 'pending'] as const;
/** 个人有关事项报告 查核结果: 一致, 漏报 (a minor omission), 瞒报 (concealment), 待核实 (still under verification). */
export type PersonalMattersFinding = (typeof PERSONAL_MATTERS_FINDINGS)[number];

export const FOUR_MUSTS = ['personnelFile', 'personalMatters', 'disciplineOpinion', 'complaints'] as const;
/** 凡提四必: personnel file, personal-matters report, the discipline commission's opinion, complaints with concrete leads. */
export type FourMust = (typeof FOUR_MUSTS)[number];

/** Why a candidate who passed does not proceed (rules.ts notSelectedReason). */
export interface NotSelectedReason {
  rule: 'withinPositions';
  /** The places voted for in that round (the post's positions, or the places left after a tie). */
  places: number;
  /** 1 + the number of those who passed with more 同意. */
  rank: number;
  agree: number;
  /** The 同意 of the last place taken. */
  lastPlaceAgree: number;
  reason: string;
}

export interface CandidateView {
  personId: string;
  nominatedAt: string;
  meetingVotes: number;
  talkMentions: number;
  check: QualificationCheck | null;
  shortlisted: boolean;
  /** Removed from the procedure, with the reason recorded. */
  removed: { reason: string; at: string } | null;
  fourMusts: Partial<Record<FourMust, { result: CheckResult; note?: string; finding?: PersonalMattersFinding; by: string; at: string }>>;
  /** 廉洁自律 conclusion, signed by both the unit's Party secretary and its discipline secretary (user ids). */
  integrity: { partySecretary?: string; disciplineSecretary?: string };
  /** The people (master data) who signed the 廉洁自律 conclusion, by post. Absent before the office-holder rule. */
  integritySigners?: { partySecretary?: string; disciplineSecretary?: string };
  /** 暂缓表决: the committee decided before the vote not to vote on this candidate now, with the reason. */
  deferred?: { reason: string; by: string; at: string } | null;
  /**
   * A postponement after an objection: the selection waits until `until` (a China date), reminds the staff,
   * then takes the final decision (decidePostponed).
   */
  postponement?: { until: string; remindedAt: string | null; decision: { outcome: 'appoint' | 'doNotAppoint'; note: string; by: string; at: string } | null } | null;
  /**
   * The appointment as recorded: the date, the 任职通知 (notice of appointment, its reference) and the 任职谈话 (the
   * appointment talk); the probation, when it applies, runs from the appointment date.
   */
  appointment?: { appointedOn: string; noticeRef: string; talkOn: string; by: string; at: string; probation: boolean; probationEndsAt: string | null } | null;
  /** 复议: the committee agreed to reopen the vote on this candidate. */
  reconsideration?: { reason: string; agreeing: string[]; by: string; at: string } | null;
  /**
   * The committee's decision. notSelected: passed the vote but ranked below the positions (by 同意 count), so
   * does not proceed; a tie at the last place is voted again among the tied.
   */
  decision: 'passed' | 'rejected' | 'notPassed' | 'notSelected' | 'deferred' | null;
  /**
   * Why a candidate who passed is notSelected: the rule (withinPositions), the places, the rank by 同意 and the 同意 of the
   * last place taken, recorded with the decision. Absent in selections decided before it was recorded.
   */
  notSelected?: NotSelectedReason | null;
  objections: Objection[];
  outcome: 'appointed' | 'notAppointed' | 'postponed' | 'confirmed' | 'removedToFormerGrade' | null;
}

export interface Objection {
  id: string;
  text: string;
  recordedBy: string;
  at: string;
  resolution: { outcome: 'appoint' | 'appointWithReminder' | 'doNotAppoint' | 'postpone'; note: string; postponeUntil?: string; by: string; at: string } | null;
}

export interface NoticePeriod {
  startDate: string;
  endDate: string;
  /** The instant the notice period ends. */
  endsAt: string;
  workingDays: number;
}

/** Staff actions (经办人) on the selection's stages, one Update with a discriminated payload. */
export type SelectionCommand =
  | { action: 'revisePrinciples'; principles: Principles; reason: string }
  | {
      action: 'recordNomination';
      date: string;
      /** participants: the people (person ids) who took part in the meeting recommendation, when recorded. */
      meeting?: { determined: number; present: number; votes: { personId: string; votes: number }[]; participants?: string[] };
      /** recommenders: the people (person ids) who named the candidate in the talks, when recorded. */
      talks?: { personId: string; mentions: number; recommenders?: string[] }[];
      /**
       * 回避 of the recommenders: never the client's; the API reads the relations (person_relation) between the
       * named recommenders and participants and the candidates. memberId is the recommender's person id.
       */
      recommenderRecusals?: Recusal[];
    }
  | { action: 'setShortlist'; personIds: string[]; concentratedOpinion?: string }
  | {
      action: 'recordInspection';
      group: string[];
      noticeDate: string;
      startDate: string;
      talks: number;
      evaluations: { personId: string; excellent: number; competent: number; basicallyCompetent: number; incompetent: number }[];
      fieldVisit: boolean;
      /** 回避 of the inspection group: never the client's; the API reads the group's relations to the candidates. */
      groupRecusals?: Recusal[];
    }
  /**
   * result pending: 待核实 (a personal-matters report under verification, a complaint with concrete leads not yet
   * concluded, 未查结), which holds the candidate. `finding` grades a personal-matters report check.
   */
  | { action: 'recordCheck'; personId: string; check: FourMust; result: CheckResult; note?: string; finding?: PersonalMattersFinding }
  /**
   * Staff record who signed the 廉洁自律 conclusion as `as`: `signedBy`, a person in master data (absent in
   * commands from before the rule). `signer` is never the client's: the API reads from master data the posts
   * `signedBy` holds and the candidate's unit (unit_office_holder, person), as for politicalFacts.
   */
  | { action: 'signIntegrity'; personId: string; as: IntegrityOffice; signedBy?: string; signer?: IntegritySignerFacts }
  /**
   * `politicalFacts` is never the client's: the API reads each candidate's political-quality file and adds
   * it when the principles require the 任前政治体检, because the Update validator cannot read the database.
   */
  | { action: 'completeInspection'; politicalFacts?: PoliticalExamFacts[] }
  /** Added by the API once it has started an examination from the selection (not a client's command). */
  | { action: 'linkExamination'; personId: string; examinationWorkflowId: string }
  | { action: 'recordObjection'; personId: string; text: string }
  | { action: 'resolveObjection'; objectionId: string; outcome: 'appoint' | 'appointWithReminder' | 'doNotAppoint' | 'postpone'; note: string; postponeUntil?: string }
  | { action: 'assess'; personId: string; result: 'fit' | 'unfit'; note?: string }
  /** The appointment of a candidate appointed after the notice: its date, 任职通知 and 任职谈话. */
  | { action: 'recordAppointment'; personId: string; appointedOn: string; noticeRef: string; talkOn: string }
  /** The final decision on a postponed candidate, once the postponement has run out. */
  | { action: 'decidePostponed'; personId: string; outcome: 'appoint' | 'doNotAppoint'; note: string }
  /** 暂缓表决: decided before the vote, with the reason; the vote goes on without the candidate. */
  | { action: 'deferVote'; personId: string; reason: string }
  /** 复议: reopen the vote on a candidate not passed; `agreeing` are the committee members (user ids) who agreed. */
  | { action: 'reconsider'; personId: string; reason: string; agreeing: string[] }
  /**
   * The committee's meeting (会议), opened before its vote: the date, and who is present (实到, user ids) as recorded
   * at the meeting. 应到 is the committee; a member recused (回避) counts toward it but never as present.
   */
  | { action: 'openMeeting'; date: string; present: string[] }
  /** The minutes (会议记录) of the meeting, a document reference, attached before the vote closes. */
  | { action: 'attachMinutes'; minutesRef: string };

export const INTEGRITY_OFFICES = ['partySecretary', 'disciplineSecretary'] as const;
/** 党委(党组)书记 and 纪委书记(纪检组长) of a unit: the two who sign the 廉洁自律 conclusion. */
export type IntegrityOffice = (typeof INTEGRITY_OFFICES)[number];

/** Who signed, and the posts they hold, as the API read them from master data for signIntegrity. */
export interface IntegritySignerFacts {
  /** The signer (signedBy), or null when the command named none. */
  personId: string | null;
  /** The candidate's unit (person.unit_id). */
  candidateUnitId: string | null;
  /** The signer's posts in force today (unit_office_holder). */
  offices: { unitId: string; office: IntegrityOffice; since: string }[];
}

export type SelectionActInput = SelectionCommand & { actorId: string; actorRoles: Role[] };

export interface SelectionState {
  type: 'cadreSelection';
  workflowId: string;
  selectionId: string;
  title: string;
  initiatorId: string;
  stage: SelectionStage;
  status: 'open' | 'closed';
  principles: Principles;
  frozen: FrozenPrinciples[];
  /** eligibilityAsOf: the cut-off the candidates are checked to (principles.eligibilityDate, else the recommendation's date). */
  nomination: { date: string; meeting: { determined: number; present: number } | null; talks: number; eligibilityAsOf?: string } | null;
  /** Recommendations voided because the post changed after them (a recommendation is valid for its post only). */
  voidedRecommendations?: VoidedRecommendation[];
  inspection: { group: string[]; noticeDate: string; startDate: string; talks: number; fieldVisit: boolean; completedAt: string | null } | null;
  candidates: CandidateView[];
  decisionTally: unknown;
  notice: NoticePeriod | null;
  probationEndsAt: string | null;
  currentTask: TaskView | null;
  /** The approval step running now (the committee's vote, the list's approval…), as the console offers its actions; null between steps. Only in the state query. */
  currentStep?: StepRunView | null;
  /** The staff commands its stage takes now (rules.ts COMMAND_STAGES); empty once closed. Only in the state query. */
  commands?: string[];
  openTasks: TaskView[];
  actions: ActionRecord[];
  /** The 任前政治体检 reading the inspection was completed on, when the principles required it. */
  politicalGate?: { months: number; checkedOn: string; candidates: PoliticalGateReading[] } | null;
  /** Political examinations started from this selection. */
  examinations?: LinkedExamination[];
  /**
   * 回避: committee members related to a candidate (master data, read when the vote opens). They count toward
   * 应到会 but do not vote, so they are never present.
   */
  recusals?: Recusal[];
  /** The committee's meetings, as recorded: date, 应到, 实到, recused, minutes. Absent in selections from before the rule. */
  meetings?: MeetingRecord[];
}

export interface Recusal {
  memberId: string;
  candidateId: string;
  /** spouse, directBlood, collateral, inLaw (person_relation). */
  relation: string;
}

export interface VoidedRecommendation {
  /** The recommendation's date. */
  date: string;
  /** The post it was made for, and the post it is void for. */
  post: SelectionPost;
  voidFor: SelectionPost;
  personIds: string[];
  /** The version of the principles whose post change voided it. */
  version: number;
  at: string;
}

export interface SelectionResult {
  appointed: string[];
  confirmed: string[];
  removedToFormerGrade: string[];
  notAppointed: string[];
  postponed: string[];
  /** Not passed by the committee's vote (未通过: without the pass share of 应到会, nor rejected outright). */
  notPassed?: string[];
  /** Passed the vote, ranked below the positions. Absent in results from before the rule. */
  notSelected?: string[];
  /** 暂缓表决: not voted on. Absent in results from before the rule. */
  deferred?: string[];
  principlesVersions: number;
}


/** What a selection action answers: the kernel's answer and the action's seq. */
export type SelectionAck = ActResult & { seq: number };

/** Staff actions on a cadre selection's stages. */
export const selectionUpdate = defineUpdate<SelectionAck, [SelectionActInput]>('selection');

export const cadreSelectionWorkflowId = (selectionId: string): string => `selection-${selectionId}`;
