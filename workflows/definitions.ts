/**
 * Messages, payload types and search attributes shared by the workflows, the API and the tests.
 * This module is bundled into the workflow sandbox, so it imports nothing but the Temporal
 * workflow/common packages and types.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { EscalationStep } from '../domain/escalation';
import type { VoteChoice, VoteRule, VoteTally } from './lib/vote';

/** Roles a user holds within their own unit (master data). */
export const ROLES = ['staff', 'reviewer', 'approver', 'supervisor'] as const;
export type Role = (typeof ROLES)[number];

/** Who a step is assigned to; resolved from master data when the step opens, then recorded. */
export type AssigneeRule =
  | { kind: 'user'; userId: string }
  | { kind: 'role'; role: Role; unitId: string }
  | { kind: 'unitHead'; unitId: string };

export const PROCEDURE_TYPES = ['rectification', 'rectificationItem', 'approvalRequest', 'cadreSelection'] as const;
export type ProcedureType = (typeof PROCEDURE_TYPES)[number];

/** Search attributes the dev server registers at start and the worker registers on a cluster. */
export const SearchAttr = {
  procedureType: defineSearchAttributeKey('TingjinProcedureType', SearchAttributeType.KEYWORD),
  units: defineSearchAttributeKey('TingjinUnits', SearchAttributeType.KEYWORD_LIST),
  stage: defineSearchAttributeKey('TingjinStage', SearchAttributeType.KEYWORD),
  overdue: defineSearchAttributeKey('TingjinOverdue', SearchAttributeType.BOOL),
  dueAt: defineSearchAttributeKey('TingjinDueAt', SearchAttributeType.DATETIME),
} as const;
export const ALL_SEARCH_ATTRIBUTES = Object.values(SearchAttr);

/**
 * Why an Update validator refused an action. The string is the ApplicationFailure type and
 * becomes the API error code; the API maps each to an HTTP status.
 */
export const Refusal = {
  taskNotPending: 'task_not_pending',
  notAssignee: 'not_assignee',
  actionNotAllowed: 'action_not_allowed',
  institutionalRuleRequired: 'institutional_rule_required',
  /** A transfer, added signer or return target that is not acceptable. */
  invalidTarget: 'invalid_target',
  /** Withdrawal after somebody has acted, or by someone other than the initiator. */
  cannotWithdraw: 'cannot_withdraw',
  /** Urging or copying by someone not entitled to. */
  notAllowed: 'not_allowed',
  /** Ballots that do not cover every candidate exactly once, or name an unknown candidate or choice. */
  invalidBallot: 'invalid_ballot',
  /** A second ballot from the same member. */
  alreadyVoted: 'already_voted',
  /** The principal leader (主要负责人) votes after every other member present. */
  principalVotesLast: 'principal_votes_last',
  /** Closing a vote with too few members present: a decision without quorum is invalid. */
  quorumNotMet: 'quorum_not_met',
  /** A selection action that does not belong to the current stage. */
  wrongStage: 'wrong_stage',
  /** 先定原则、再商人头: no name before the principles are approved and frozen. */
  principlesNotFrozen: 'principles_not_frozen',
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
  /** A payload that names something the procedure does not know. */
  invalidInput: 'invalid_input',
} as const;
export type RefusalCode = (typeof Refusal)[keyof typeof Refusal];

// ---------------------------------------------------------------------------------------------
// Rectification (巡视整改销号)

/** Difficulty grades carry different default time limits (see domain/rectification.ts). */
export const DIFFICULTIES = ['immediate', 'normal', 'hard'] as const;
export type Difficulty = (typeof DIFFICULTIES)[number];

export interface Assignment {
  unitId: string;
  /** Calendar date YYYY-MM-DD (China time) by which the unit's item must be signed off. */
  dueDate: string;
}

export interface Problem {
  /** The problem's number within the feedback, e.g. "1" or "2.3". */
  no: string;
  title: string;
  description?: string;
  difficulty: Difficulty;
  /** The lead department (牵头部门) whose head signs the second link of the chain. */
  leadUnitId: string;
  /** 同题共答: one assignment per responsible unit. */
  assignments: Assignment[];
}

export interface RectificationInput {
  feedbackId: string;
  title: string;
  inspectionGroup: string;
  /** Date the inspection group gave its feedback, YYYY-MM-DD. */
  feedbackDate: string;
  /** The inspection office (巡察办) that reviews evidence and signs last. */
  inspectionOfficeUnitId: string;
  initiatorId: string;
  problems: Problem[];
}

export interface RectificationItemInput {
  feedbackId: string;
  feedbackTitle: string;
  inspectionOfficeUnitId: string;
  initiatorId: string;
  problem: Omit<Problem, 'assignments'>;
  unitId: string;
  dueDate: string;
}

/**
 * Steps of one unit's item, in order: the unit submits measures and evidence, the inspection
 * office reviews them, then the sign-off chain unit head → lead department → inspection office.
 */
export const ITEM_STEPS = ['submit', 'review', 'unitHead', 'leadDepartment', 'inspectionOffice'] as const;
export type ItemStep = (typeof ITEM_STEPS)[number];

/**
 * Actions on a task. submit, pass, sign and approve approve their step; return goes back to this or any
 * earlier step with a reason; transfer (转办) hands the task to another person; addSigner (加签)
 * adds a signer before or after oneself; vote casts a member's ballots in a vote step (票决).
 */
export const TASK_ACTIONS = ['submit', 'pass', 'sign', 'approve', 'return', 'transfer', 'addSigner', 'vote'] as const;
export type TaskAction = (typeof TASK_ACTIONS)[number];

export interface Evidence {
  name: string;
  /** Where the document lives: a file-store key, a URL or a document number. */
  ref: string;
}

/** 建章立制: the rule adopted so the problem does not recur. */
export interface InstitutionalRule {
  title: string;
  documentRef: string;
}

export interface SubmissionData {
  measures: string;
  evidence: Evidence[];
  institutionalRule?: InstitutionalRule;
  noRuleReason?: string;
}

export interface SignData {
  institutionalRule?: InstitutionalRule;
  noRuleReason?: string;
}

/** One member's choice on one candidate: 同意, 不同意 or 缓议. */
export interface BallotInput {
  candidateId: string;
  choice: VoteChoice;
}

export interface ActInput {
  taskId: string;
  actorId: string;
  action: TaskAction;
  comment?: string;
  data?: SubmissionData | SignData;
  /** transfer / addSigner: the person concerned. */
  targetUserId?: string;
  /** addSigner: before or after oneself. */
  position?: 'before' | 'after';
  /** return: the step to resume from (a step key of the procedure); by default the first step. */
  returnTo?: string;
  /** vote: one ballot per candidate, every candidate exactly once. */
  ballots?: BallotInput[];
}

/**
 * Actions on a procedure rather than a task: withdraw (撤回, by the initiator while nobody has
 * acted), urge (催办, by a supervisor or the initiator) and copy (抄送, to people who must know).
 * Closing a vote is its own Update (closeVoteUpdate), since only procedures with vote steps have it.
 */
export const MANAGE_ACTIONS = ['withdraw', 'urge', 'copy'] as const;
export type ManageAction = (typeof MANAGE_ACTIONS)[number];

export interface ManageInput {
  actorId: string;
  /** The actor's roles, from master data; the API is the trust boundary that resolves them. */
  actorRoles: Role[];
  action: ManageAction;
  /** urge: the pending task to urge. */
  taskId?: string;
  /** copy: who is informed. */
  userIds?: string[];
  comment?: string;
}

export interface ManageResult {
  action: ManageAction | 'closeVote';
  status: ItemStatus | ApprovalRequestStatus;
  notified: string[];
}

export interface TaskView {
  taskId: string;
  step: string;
  seq: number;
  round: number;
  assigneeIds: string[];
  openedAt: string;
}

export interface ActionRecord {
  seq: number;
  taskId: string | null;
  step: string | null;
  actorId: string;
  action: TaskAction | ManageAction | 'closeVote' | 'remind' | 'overdue' | 'escalate' | SelectionCommand['action'];
  comment?: string;
  at: string;
}

export interface Deadlines {
  /** The instant the item falls overdue: the end of the due date, moved to a working day. */
  dueAt: string;
  /** When the reminder goes out, a few working days before. */
  remindAt: string;
  /** The working day the due date resolved to. */
  effectiveDueDate: string;
}

export type ItemStatus = 'open' | 'signedOff' | 'withdrawn';

export interface ItemState {
  type: 'rectificationItem';
  workflowId: string;
  feedbackId: string;
  problem: Omit<Problem, 'assignments'>;
  unitId: string;
  dueDate: string;
  deadlines: Deadlines | null;
  status: ItemStatus;
  stage: ItemStep | ItemStatus;
  round: number;
  reminded: boolean;
  overdue: boolean;
  /** Rungs of the overdue ladder reached so far (督办通知, 预警, 问责). */
  escalations: EscalationStep[];
  /** The first open task; several are open at once in a step signed by all (会签). */
  currentTask: TaskView | null;
  openTasks: TaskView[];
  submission: SubmissionData | null;
  institutionalRule: InstitutionalRule | null;
  noRuleReason: string | null;
  actions: ActionRecord[];
  signedOffAt: string | null;
}

export interface ItemResult {
  workflowId: string;
  problemNo: string;
  unitId: string;
  status: 'signedOff' | 'withdrawn';
  dueAt: string;
  /** When it was signed off or withdrawn. */
  closedAt: string;
  onTime: boolean;
  rounds: number;
}

export interface ActResult {
  taskId: string;
  action: TaskAction;
  status: ItemStatus | ApprovalRequestStatus;
  /** The step now running, or the procedure's final status. */
  stage: string;
  /** The first task now open, if any. */
  nextTask: TaskView | null;
  openTasks: TaskView[];
}

export interface UnitSummary {
  unitId: string;
  items: number;
  signedOff: number;
  onTime: number;
}

export interface RectificationSummary {
  feedbackId: string;
  items: number;
  signedOff: number;
  withdrawn: number;
  onTime: number;
  late: number;
  /** onTime / signedOff, rounded to 4 decimals; 1 when nothing was signed off. */
  onTimeRate: number;
  perUnit: UnitSummary[];
  closedAt: string;
}

export interface FeedbackItemView {
  workflowId: string;
  problemNo: string;
  unitId: string;
  dueDate: string;
  result: ItemResult | null;
}

export interface FeedbackState {
  type: 'rectification';
  workflowId: string;
  feedbackId: string;
  title: string;
  status: 'open' | 'closed';
  items: FeedbackItemView[];
  summary: RectificationSummary | null;
}

// ---------------------------------------------------------------------------------------------
// Generic approval request (通用审批): a request routed through steps defined when it starts.

export const APPROVAL_MODES = ['sequential', 'all', 'any', 'vote'] as const;
/** 依次, 会签, 或签, 票决 (see workflows/lib/approval.ts). */
export type ApprovalMode = (typeof APPROVAL_MODES)[number];

export interface ApprovalStepInput {
  key: string;
  name: string;
  mode: ApprovalMode;
  assignees: AssigneeRule;
  /** vote steps: what is voted on, e.g. candidate ids; at least one. */
  candidates?: string[];
  /** vote steps: quorum, pass share and principal; DEFAULT_VOTE_RULE by default. */
  voteRule?: VoteRule;
}

export interface ApprovalRequestInput {
  requestId: string;
  title: string;
  initiatorId: string;
  /** 1–10 steps with unique keys, run in order. */
  steps: ApprovalStepInput[];
}

export type ApprovalRequestStatus = 'open' | 'approved' | 'withdrawn';

/** The result of one vote step (票决). */
export interface VoteDecision {
  step: string;
  round: number;
  tally: VoteTally;
}

/** The running step: its signer positions and, for a vote, who has voted and who is absent. */
export interface ApprovalStepView {
  key: string;
  name: string;
  mode: ApprovalMode;
  round: number;
  slots: { assigneeIds: string[]; state: string; taskId: string | null; after: number[] }[];
  vote?: { candidates: string[]; members: string[]; voted: string[]; absent: string[]; closing: boolean };
}

export interface ApprovalRequestState {
  type: 'approvalRequest';
  workflowId: string;
  requestId: string;
  title: string;
  initiatorId: string;
  status: ApprovalRequestStatus;
  stage: string;
  round: number;
  currentStep: ApprovalStepView | null;
  currentTask: TaskView | null;
  openTasks: TaskView[];
  actions: ActionRecord[];
  /** Per vote step, its latest tally. */
  decisions: VoteDecision[];
}

export interface CloseVoteInput {
  actorId: string;
  comment?: string;
}

export interface ApprovalRequestResult {
  status: 'approved' | 'withdrawn';
  decisions: VoteDecision[];
}

// ---------------------------------------------------------------------------------------------
// Cadre selection (干部选拔任用, 先定原则、再商人头; DOMAIN.md §1)

export const SELECTION_STAGES = ['principles', 'nomination', 'shortlist', 'inspection', 'decision', 'publicNotice', 'probation', 'closed'] as const;
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
}

/** 原则: fixed and frozen before any name is discussed. */
export interface Principles {
  post: SelectionPost;
  /** Per-post overrides of the qualification rules (domain/qualifications.ts), by rule name. */
  qualificationOverrides?: Record<string, number | boolean>;
  candidateScope: string;
  /** 民主推荐 by talks (谈话调研推荐), a meeting (会议推荐), or both. */
  method: 'talk' | 'meeting' | 'both';
  timetable: string;
  /** 换届: a general election, always 差额. */
  generalElection?: boolean;
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
}

/** One predicate of the qualification check, with the fact it used. */
export interface PredicateResult {
  predicate: string;
  label: string;
  passed: boolean;
  applicable: boolean;
  required: string;
  actual: string;
  fact: string;
}

export interface QualificationCheck {
  personId: string;
  principlesVersion: number;
  eligible: boolean;
  results: PredicateResult[];
}

export const FOUR_MUSTS = ['personnelFile', 'personalMatters', 'disciplineOpinion', 'complaints'] as const;
/** 凡提四必: personnel file, personal-matters report, the discipline commission's opinion, complaints with concrete leads. */
export type FourMust = (typeof FOUR_MUSTS)[number];

export interface CandidateView {
  personId: string;
  nominatedAt: string;
  meetingVotes: number;
  talkMentions: number;
  check: QualificationCheck | null;
  shortlisted: boolean;
  /** Removed from the procedure, with the reason recorded. */
  removed: { reason: string; at: string } | null;
  fourMusts: Partial<Record<FourMust, { result: 'clear' | 'negative'; note?: string; by: string; at: string }>>;
  /** 廉洁自律 conclusion, signed by both the unit's Party secretary and its discipline secretary. */
  integrity: { partySecretary?: string; disciplineSecretary?: string };
  decision: 'passed' | 'rejected' | 'postponed' | null;
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
      meeting?: { determined: number; present: number; votes: { personId: string; votes: number }[] };
      talks?: { personId: string; mentions: number }[];
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
    }
  | { action: 'recordCheck'; personId: string; check: FourMust; result: 'clear' | 'negative'; note?: string }
  | { action: 'signIntegrity'; personId: string; as: 'partySecretary' | 'disciplineSecretary' }
  | { action: 'completeInspection' }
  | { action: 'recordObjection'; personId: string; text: string }
  | { action: 'resolveObjection'; objectionId: string; outcome: 'appoint' | 'appointWithReminder' | 'doNotAppoint' | 'postpone'; note: string; postponeUntil?: string }
  | { action: 'assess'; personId: string; result: 'fit' | 'unfit'; note?: string };

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
  nomination: { date: string; meeting: { determined: number; present: number } | null; talks: number } | null;
  inspection: { group: string[]; noticeDate: string; startDate: string; talks: number; fieldVisit: boolean; completedAt: string | null } | null;
  candidates: CandidateView[];
  decisionTally: unknown;
  notice: NoticePeriod | null;
  probationEndsAt: string | null;
  currentTask: TaskView | null;
  openTasks: TaskView[];
  actions: ActionRecord[];
}

export interface SelectionResult {
  appointed: string[];
  confirmed: string[];
  removedToFormerGrade: string[];
  notAppointed: string[];
  postponed: string[];
  principlesVersions: number;
}

export type ProcedureState = FeedbackState | ItemState | ApprovalRequestState | SelectionState;

/** Act on a pending task of a rectification item. */
export const actUpdate = defineUpdate<ActResult, [ActInput]>('act');
/** Withdraw, urge or copy: actions on the procedure rather than on one task. */
export const manageUpdate = defineUpdate<ManageResult, [ManageInput]>('manage');
/**
 * The initiator closes the running vote step (票决): who has not voted is absent. Refused without a
 * quorum. Only procedures with vote steps (approvalRequest) handle it.
 */
export const closeVoteUpdate = defineUpdate<ManageResult, [CloseVoteInput]>('closeVote');
/** What a selection action answers; small, since every Update's result is kept in history. */
export interface SelectionAck {
  seq: number;
  action: SelectionCommand['action'];
  stage: SelectionStage;
  status: SelectionState['status'];
}

/** Staff actions on a cadre selection's stages. */
export const selectionUpdate = defineUpdate<SelectionAck, [SelectionActInput]>('selection');
/** The live state of any procedure. */
export const stateQuery = defineQuery<ProcedureState>('state');

/** Business workflow ids: a duplicate start is rejected by Temporal itself. */
export const workflowIds = {
  rectification: (feedbackId: string): string => `rectification-${feedbackId}`,
  rectificationItem: (feedbackId: string, problemNo: string, unitId: string): string =>
    `rectification-${feedbackId}-p${problemNo}-${unitId}`,
  approvalRequest: (requestId: string): string => `approval-${requestId}`,
  cadreSelection: (selectionId: string): string => `selection-${selectionId}`,
};
export const taskId = (workflowId: string, seq: number): string => `${workflowId}:${seq}`;
