/**
 * Messages and payloads of 揭榜出征 (`redeployment`, DOMAIN.md §3): the challenge list (榜单,
 * `challengeList`) of frontline tasks, applications (揭榜) by cadres who left leadership posts
 * (退出领导岗位干部) and staff nominations, the eligibility and health checks, the two-way matching
 * (双向选择) of host units and cadres, the department meeting's vote, the dispatch with a task letter
 * (任务书, `taskLetter`), and one term child per dispatched cadre (term-messages.ts). Deterministic: bundled.
 */
import { defineUpdate } from '@temporalio/workflow';
import type { Grade } from '../../domain/grades';
import type { FanOutProgress } from '../kernel/fanout';
import type { ActionRecord, ActResult, AssigneeRule, ProcedureRowData, ResolvedAssignees, Role, TaskView } from '../kernel/messages';
import type { StepRunView, SuspendedStep } from '../kernel/approval';
import type { MeetingRecord, VoteChoice, VoteRule, VoteTally } from '../kernel/vote';

export const REDEPLOYMENT = 'redeployment' as const;
export const REDEPLOYMENT_STATUSES = ['open', 'closed'] as const;
export const REDEPLOYMENT_STAGES = ['draft', 'listApproval', 'approved', 'published', 'checks', 'ranking', 'proposal', 'meeting', 'dispatch', 'terms', 'closed'] as const;
export type RedeploymentStage = (typeof REDEPLOYMENT_STAGES)[number];

export const RedeploymentRefusal = {
  /** A task or list that breaks a rule: term end not after its start, no people, a grade range upside down. */
  invalidTask: 'invalid_task',
  /** An application or nomination after the close date, or after the list was closed early. */
  applicationsClosed: 'applications_closed',
  /** The person is not recorded as having left a leadership post, or is over the age limit. */
  notEligible: 'not_eligible',
  /** More tasks than the list allows one cadre (N, default 2), counting earlier applications. */
  tooManyApplications: 'too_many_applications',
  /** A task id the list does not have, or a withdrawn one. */
  unknownTask: 'unknown_task',
  /** A command outside its stage. */
  wrongStage: 'wrong_stage',
  /** A ranking that names someone who is not an eligible applicant of the task, or names one twice. */
  invalidRanking: 'invalid_ranking',
  /** The matching before every task with eligible applicants is ranked, or a check still missing. */
  rankingsIncomplete: 'rankings_incomplete',
  /** An adjustment that breaks capacity, eligibility, or names a pair that is not there. */
  invalidAdjustment: 'invalid_adjustment',
  /** An acknowledgement by someone who is neither the cadre nor the host unit, or a second one. */
  invalidAcknowledgement: 'invalid_acknowledgement',
} as const;

/** What a task asks of the cadre, as data: every field optional; what is left out is not required. */
export interface TaskRequirements {
  /** The cadre's grade (职级) when they left, inclusive range on the ladder of domain/grades.ts. */
  grades?: { min?: Grade; max?: Grade };
  /** Skills or fields (专业领域): the cadre must have at least one of them (`any`, the default) or all. */
  fields?: string[];
  fieldsMatch?: 'any' | 'all';
  /** Age limit in whole years on the date of the check; the list's default applies when absent. */
  maxAge?: number;
  /** The health a recorded check must show: `fit` only, or `fitWithLimits` too. Absent: any but `unfit`. */
  health?: 'fit' | 'fitWithLimits';
}

export interface ChallengeTaskInput {
  /** Unique within the list: T1, T2, … */
  taskId: string;
  title: string;
  description: string;
  hostUnitId: string;
  term: { start: string; end: string };
  /** How many cadres the task takes: its capacity in the matching. */
  people: number;
  requirements: TaskRequirements;
  /** The goals written into the task letter (任务书). */
  goals?: string[];
}

export interface TaskChange {
  seq: number;
  kind: 'added' | 'changed' | 'withdrawn';
  by: string;
  at: string;
  reason: string;
  /** The fields a change replaced. */
  fields?: string[];
  /** Applicants notified of it. */
  notified: string[];
}

export interface ChallengeTask extends ChallengeTaskInput {
  status: 'open' | 'withdrawn';
  version: number;
  changes: TaskChange[];
}

/** List rules as data, carried in the input so a running list keeps its own. */
export interface ListRules {
  /** N: how many tasks one cadre may apply for. */
  maxApplications: number;
  /** Age limit for every task that states none. */
  maxAge: number;
  /** Health records older than this do not count. */
  healthValidMonths: number;
  /** Progress reports: every this many months, each with a working-day deadline (the term child's). */
  reportEveryMonths: number;
  reportWorkingDays: number;
  /**
   * The list continues as new once its history has this many events (DEFAULT_LIST_HISTORY_EVENTS when
   * absent): every application, check and ranking is an Update, and 600 cadres pass the 4,096 a run should
   * keep under. A test sets it low to force continuations.
   */
  maxHistoryEvents?: number;
}

/** A health record: from master data, or the check recorded in this procedure. */
export interface HealthRecord {
  date: string;
  result: 'fit' | 'fitWithLimits' | 'unfit';
  note?: string;
}

/**
 * What eligibility needs from master data, read by the API and passed in the Update (a validator does no
 * I/O), so the validator and the handler apply the one pure rule to the same facts.
 */
export interface PersonFacts {
  personId: string;
  name: string;
  /** The former unit, for the figures. */
  unitId: string | null;
  birthDate: string;
  currentGrade: Grade;
  /** 退出领导岗位时间; null for someone not recorded as having left a leadership post. */
  leftLeadershipPostOn: string | null;
  fields: string[];
  health: HealthRecord[];
}

export const ELIGIBILITY_PREDICATES = ['leftLeadershipPost', 'maxAge', 'gradeRange', 'fields', 'health'] as const;
export type EligibilityPredicate = (typeof ELIGIBILITY_PREDICATES)[number];

/** One predicate of the check, in the selection's style: what it required, what it found, which fact. */
export interface EligibilityResult {
  predicate: EligibilityPredicate;
  label: string;
  passed: boolean;
  applicable: boolean;
  required: string;
  actual: string;
  fact: string;
}

export interface EligibilityCheck {
  personId: string;
  taskId: string;
  eligible: boolean;
  results: EligibilityResult[];
  checkedOn: string;
}

export interface Application {
  personId: string;
  name: string;
  formerUnitId: string | null;
  /** The cadre's own user account: acknowledges the letter and reports during the term. */
  cadreUserId: string;
  /** In order of preference. */
  taskIds: string[];
  statement: string;
  source: 'application' | 'nomination';
  by: string;
  at: string;
}

/** One pair of the matching: a task and the cadre it takes. */
export interface Pair {
  taskId: string;
  personId: string;
}

export interface Adjustment {
  action: 'assign' | 'unassign';
  taskId: string;
  personId: string;
  reason: string;
  by: string;
  at: string;
}

export interface Proposal {
  pairs: Pair[];
  /** Tasks with places left, and how many. */
  unmatchedTasks: { taskId: string; open: number }[];
  /** Eligible applicants with no task. */
  unmatchedCadres: string[];
  adjustments: Adjustment[];
  computedAt: string;
}

export interface TaskLetter {
  letterId: string;
  taskId: string;
  personId: string;
  cadreUserId: string;
  hostUnitId: string;
  sha256: string;
  bytes: number;
  mediaType: string;
  issuedAt: string;
  acknowledgedByCadre: { by: string; at: string } | null;
  acknowledgedByHost: { by: string; at: string } | null;
}

/** One dispatched cadre: the term child's place in the fan-out. */
export interface Dispatch {
  taskId: string;
  personId: string;
  hostUnitId: string;
  formerUnitId: string | null;
  cadreUserId: string;
}

/** What a term reports when it ends (the agreed contract of term-messages.ts, structurally). */
export interface TermOutcome {
  personId: string;
  taskId: string;
  grade: '优秀' | '合格' | '基本合格' | '不合格' | null;
  endedEarly: boolean;
  reportsOnTime: number;
  reportsDue: number;
  recognised: boolean;
}

export const TERM_GRADES = ['优秀', '合格', '基本合格', '不合格'] as const;

export interface FigureCounts {
  dispatched: number;
  ended: number;
  failed: number;
  endedEarly: number;
  /** Terms whose every due report came on time. */
  onTimeWithReports: number;
  grades: Record<string, number>;
  recognised: number;
}

/** The terms' outcomes, folded as each reports, by host unit and by former unit. */
export interface TermTally {
  all: FigureCounts;
  byHostUnit: Record<string, FigureCounts>;
  byFormerUnit: Record<string, FigureCounts>;
}

export interface ListFigures {
  listId: string;
  applications: number;
  nominations: number;
  applicants: number;
  eligible: number;
  matched: number;
  dispatched: number;
  terms: FigureCounts;
  byHostUnit: ({ unitId: string; applications: number; matched: number } & FigureCounts)[];
  byFormerUnit: ({ unitId: string; applications: number; matched: number } & FigureCounts)[];
  closedAt: string | null;
}

export interface RedeploymentInput {
  listId: string;
  title: string;
  initiatorId: string;
  departmentUnitId: string;
  tasks: ChallengeTaskInput[];
  rules: ListRules;
  /** The department meeting (部务会) that votes on the matched pairs. */
  meeting: AssigneeRule;
  meetingRule?: VoteRule;
  assignees: ResolvedAssignees;
  /**
   * Set when the list continues as new during the terms: everything the terms stage still needs. `seq`,
   * the last transition's (absent in runs started before it was carried: their close takes 1,000,000).
   */
  resume?: { snapshot: ListSnapshot; progress: FanOutProgress<TermTally>; seq?: number };
  /** Set when the list continues as new before the terms (a long history): its whole state. */
  continued?: ListCarry;
}

/** What a list carries into the run it continues as: the state, and the numbering of transitions and tasks. */
export interface ListCarry {
  state: CarriedState;
  /** The procedure's row as projected. */
  row: ProcedureRowData;
  /** The last transition's seq: the next run numbers on from it. */
  seq: number;
  /** The approval flow's last task number: the meeting's task must not take the list approval's id. */
  taskSeq: number;
  submitted: boolean;
  /** How many runs came before this one, for the figures of a bench. */
  runs: number;
  /** The approval step running when the run continued (draft, listApproval or the meeting): resumed as is. */
  step?: SuspendedStep;
}

/** A state carried by a run from before the actions were dropped from it. */
export type CarriedState = RedeploymentState & { actions?: ActionRecord[] };

/** What the terms stage carries across continue-as-new: no applications' statements, no actions. */
export interface ListSnapshot {
  dispatches: Dispatch[];
  counts: { applications: number; nominations: number; applicants: number; eligible: number; matched: number };
  /** Applications and matched per host unit and per former unit, computed before the terms. */
  perUnit: { host: Record<string, [number, number]>; former: Record<string, [number, number]> };
  term: Record<string, { start: string; end: string }>;
  titles: Record<string, string>;
}

export type RedeploymentCommand =
  | { action: 'addTask'; task: ChallengeTaskInput; reason: string; hostAssignees?: ResolvedAssignees }
  | { action: 'changeTask'; taskId: string; changes: Partial<Omit<ChallengeTaskInput, 'taskId'>>; reason: string; hostAssignees?: ResolvedAssignees }
  | { action: 'withdrawTask'; taskId: string; reason: string }
  | { action: 'publish'; closeDate: string }
  | { action: 'closeApplications'; reason: string }
  | { action: 'apply'; personId: string; taskIds: string[]; statement: string; facts: PersonFacts; cadreUserId: string }
  | { action: 'nominate'; personId: string; taskId: string; statement: string; facts: PersonFacts; cadreUserId: string }
  | { action: 'recordCheck'; personId: string; health: HealthRecord; facts: PersonFacts }
  | { action: 'rank'; taskId: string; personIds: string[] }
  | { action: 'runMatching' }
  | { action: 'adjust'; change: 'assign' | 'unassign'; taskId: string; personId: string; reason: string }
  | { action: 'submitProposal' }
  | { action: 'acknowledge'; letterId: string; as: 'cadre' | 'hostUnit' }
  /**
   * A meeting member's vote on every matched pair at once (kernel/vote.ts slateBallots): one choice, and
   * the pairs voted otherwise; it stands for exactly one ballot per pair, under the kernel vote's rules.
   */
  | { action: 'vote'; choice: VoteChoice; except?: { candidateId: string; choice: VoteChoice }[]; comment?: string }
  /** The department meeting (部务会) opened before its vote: the date and who is present (实到, user ids), as recorded there. */
  | { action: 'openMeeting'; date: string; present: string[] }
  /** The meeting's minutes (会议记录), a document reference, attached before the vote closes. */
  | { action: 'attachMinutes'; minutesRef: string };
export type RedeploymentCommandName = RedeploymentCommand['action'];

export type RedeploymentCommandInput = RedeploymentCommand & { actorId: string; actorRoles: Role[]; actorUnitId: string };

export interface RedeploymentState {
  type: typeof REDEPLOYMENT;
  workflowId: string;
  listId: string;
  title: string;
  initiatorId: string;
  departmentUnitId: string;
  status: 'open' | 'closed';
  stage: RedeploymentStage;
  round: number;
  rules: ListRules;
  tasks: ChallengeTask[];
  closeDate: string | null;
  closedEarly: { by: string; at: string; reason: string } | null;
  applications: Application[];
  checks: EligibilityCheck[];
  health: Record<string, HealthRecord & { by: string; at: string }>;
  rankings: Record<string, { personIds: string[]; by: string; at: string }>;
  proposal: Proposal | null;
  decision: VoteTally | null;
  /** The meeting the vote belonged to, as recorded (date, 应到, 实到, minutes). Absent in lists from before the rule. */
  meeting?: MeetingRecord | null;
  /** The pairs the meeting passed. */
  approvedPairs: Pair[];
  letters: TaskLetter[];
  terms: { total: number; started: number; done: number; failed: number; workflowIds: string[] };
  figures: ListFigures | null;
  /**
   * Everyone who has acted on the list (who may copy it to others). The actions themselves are in
   * PostgreSQL (action_log, GET /procedures/:id/actions): the list neither carries nor answers them.
   */
  actors: string[];
  currentTask: TaskView | null;
  /** The approval step running now (the committee's vote, the list's approval…), as the console offers its actions; null between steps. Only in the state query. */
  currentStep?: StepRunView | null;
  /** The staff commands its stage takes now (rules.ts COMMAND_STAGES); empty once closed. Only in the state query. */
  commands?: string[];
  openTasks: TaskView[];
}

export type RedeploymentAck = ActResult & { seq: number };
export const redeploymentUpdate = defineUpdate<RedeploymentAck, [RedeploymentCommandInput]>('redeployment');

export const redeploymentWorkflowId = (listId: string): string => `redeployment-${listId}`;
/** A letter's id: the list, the task and the cadre; also its file's key. */
export const taskLetterId = (listId: string, taskId: string, personId: string): string => `${listId}-${taskId}-${personId}`;
/** A vote candidate is one matched pair. */
export const pairCandidate = (p: Pair): string => `${p.taskId}/${p.personId}`;
