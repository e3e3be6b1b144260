/**
 * Messages and payloads of the political-quality examination (政治素质考察 / 政治体检, DOMAIN.md §2) of one
 * cadre or one leading group. Deterministic: bundled.
 */
import { defineUpdate } from '@temporalio/workflow';
import type { Deadlines, EscalationStep } from '../kernel/deadline';
import type { FanOutProgress } from '../kernel/fanout';
import type { PreOpened } from '../kernel/procedure';
import type { ActionRecord, ActResult, AssigneeRule, ResolvedAssignees, Role, TaskView } from '../kernel/messages';

export const POLITICAL_EXAMINATION = 'politicalExamination' as const;

/** The five dimensions of political quality; the codes are what the API and the file carry. */
export const POLITICAL_DIMENSIONS = ['loyalty', 'steadfastness', 'responsibility', 'capability', 'selfDiscipline'] as const;
export type PoliticalDimension = (typeof POLITICAL_DIMENSIONS)[number];
export const DIMENSION_LABELS: Record<PoliticalDimension, string> = {
  loyalty: '政治忠诚',
  steadfastness: '政治定力',
  responsibility: '政治担当',
  capability: '政治能力',
  selfDiscipline: '政治自律',
};

/** The evidence strands, gathered in parallel, each a task for the examination group. */
export const EVIDENCE_STRANDS = ['talks', 'questionnaire', 'disciplineOpinion', 'fileReview', 'reverseInspection'] as const;
export type EvidenceStrand = (typeof EVIDENCE_STRANDS)[number];
export const STRAND_LABELS: Record<EvidenceStrand, string> = {
  talks: '个别谈话',
  questionnaire: '问卷调查',
  disciplineOpinion: '纪检监察机关意见',
  fileReview: '档案审核',
  reverseInspection: '反向考察',
};
/** The verb that records each strand's evidence on its task. */
export const STRAND_ACTIONS: Record<EvidenceStrand, string> = {
  talks: 'recordTalks',
  questionnaire: 'recordQuestionnaire',
  disciplineOpinion: 'recordDisciplineOpinion',
  fileReview: 'recordFileReview',
  reverseInspection: 'recordReverseInspection',
};

/** Who the talk list must reach: informed people, key people, and people known to disagree (the reverse part). */
export const INTERVIEWEE_KINDS = ['informed', 'key', 'dissenting'] as const;
export type IntervieweeKind = (typeof INTERVIEWEE_KINDS)[number];

export const ExaminationRefusal = {
  /** A plan that breaks a rule: group under the minimum, unknown or repeated dimension, empty list. */
  invalidPlan: 'invalid_plan',
  /** A talk list without informed, key or dissenting people. */
  talkListIncomplete: 'talk_list_incomplete',
  /** A questionnaire with fewer respondents than the configured minimum. */
  tooFewRespondents: 'too_few_respondents',
  /** Evidence that does not hold together: findings missing, evidence references missing, tallies over the respondents. */
  invalidEvidence: 'invalid_evidence',
  /** Analysis while a strand is still open (neither done nor waived). */
  evidenceIncomplete: 'evidence_incomplete',
  /** A grade outside the configured set. */
  gradeNotInSet: 'grade_not_in_set',
  /** A grade below the threshold without the negative findings it rests on. */
  gradeUnjustified: 'grade_unjustified',
  /** Feedback acknowledged, handed on or added to by someone other than the subject. */
  notSubject: 'not_subject',
  /** The use of the result leaves out what the grade or the findings call for. */
  useOfResultIncomplete: 'use_of_result_incomplete',
  /** A staff command outside its stage. */
  wrongStage: 'wrong_stage',
  /** A batch whose scope names no unit. */
  emptyScope: 'empty_scope',
  /** A batch's scope naming a unit twice. */
  invalidScope: 'invalid_scope',
} as const;

export const EXAMINATION_STATUSES = ['open', 'closed'] as const;
export const EXAMINATION_STAGES = ['plan', 'planApproval', 'evidence', 'analysis', 'headApproval', 'feedback', 'useOfResult', 'archive', 'closed'] as const;
export type ExaminationStage = (typeof EXAMINATION_STAGES)[number];

/** One cadre (a person in master data), or one unit's leading group (领导班子). */
export type ExaminationSubject =
  | { kind: 'cadre'; personId: string; name: string; unitId: string }
  | { kind: 'group'; unitId: string; name: string };

export interface PlanDimension {
  dimension: PoliticalDimension;
  indicators: string[];
}

/** The examination plan: frozen with a content hash once the department approves it. */
export interface ExaminationPlan {
  dimensions: PlanDimension[];
  /** What to look for: the positive list and the negative (反向) list. */
  positiveList: string[];
  negativeList: string[];
  /** The examination group (考察组): users, since each strand is a task for them. */
  group: string[];
  timetable: {
    /** Working days each evidence strand has from when the plan is approved. */
    evidenceWorkingDays: number;
    /** A strand's own deadline, where it differs. */
    strandWorkingDays?: Partial<Record<EvidenceStrand, number>>;
    /** Working days the subject has to acknowledge the feedback. */
    acknowledgeWorkingDays: number;
    note?: string;
  };
}

/** Rules that are numbers or sets, as data with defaults (rules.ts); carried in the input so a running examination keeps its own. */
export interface ExaminationRules {
  minGroup: number;
  /** At least this many interviewees of each kind. */
  minPerIntervieweeKind: number;
  minRespondents: number;
  /** The grade set, best first. */
  grades: string[];
  /** A grade worse than this one needs the negative findings it rests on. */
  justifyBelow: string;
  /** Grades that are noted for promotion, and grades that need a coaching plan. */
  promotionGrades: string[];
  coachingGrades: string[];
  /** The reminder goes out this many working days before a deadline. */
  reminderWorkingDays: number;
}

export interface Interviewee {
  name: string;
  kind: IntervieweeKind;
  note?: string;
}

export interface QuestionnaireItem {
  text: string;
  /** A positive item, or a reverse (反向) item. */
  direction: 'positive' | 'reverse';
  tally: { agree: number; neutral: number; disagree: number };
}

/** A negative finding: a warning sign, or a problem that needs rectification. */
export interface FindingInput {
  dimension: PoliticalDimension;
  severity: 'warning' | 'problem';
  text: string;
  /** Where the evidence is: a document number, a file-store key, a complaint number. */
  evidenceRefs?: string[];
}
export interface Finding extends FindingInput {
  /** `<strand>-<n>`, so the analysis can name the findings it rests on. */
  id: string;
  strand: EvidenceStrand;
}

export type StrandData =
  | { strand: 'talks'; interviewees: Interviewee[]; summary: string }
  | { strand: 'questionnaire'; respondents: number; items: QuestionnaireItem[] }
  | { strand: 'disciplineOpinion'; result: 'clear' | 'withFindings'; documentRef: string; findings?: FindingInput[] }
  | { strand: 'fileReview'; result: 'clear' | 'withFindings'; note?: string; findings?: FindingInput[] }
  | { strand: 'reverseInspection'; sources: ('complaints' | 'serviceRecipients' | 'keyTasks')[]; summary: string; findings: FindingInput[] };

export interface StrandView {
  strand: EvidenceStrand;
  /** pending until the plan is approved and the strands open. */
  status: 'pending' | 'open' | 'done' | 'waived';
  deadlines: Deadlines | null;
  overdue: boolean;
  escalations: EscalationStep[];
  /** What the group recorded (talk counts per kind are added). */
  record: (Record<string, unknown> & { by: string; at: string }) | null;
  waiver: { reason: string; by: string; at: string } | null;
}

export interface Analysis {
  evaluations: { dimension: PoliticalDimension; text: string }[];
  grade: string;
  /** The finding ids a grade below the threshold rests on. */
  basis?: string[];
}

export interface UseOfResult {
  /** 好: noted for promotion. */
  promotionNote?: string;
  /** 一般: a coaching plan. */
  coachingPlan?: string;
  /** Warning signs: a reminder talk (提醒谈话) or a 诫勉 admonition. */
  admonition?: { kind: 'reminderTalk' | 'admonition'; note: string };
  /** Problems found: a rectification linked to this examination. */
  rectification?: { dueDate: string; difficulty?: 'immediate' | 'normal' | 'hard' };
}

export interface PoliticalExaminationInput {
  examinationId: string;
  title: string;
  initiatorId: string;
  subject: ExaminationSubject;
  /** The user who acknowledges the feedback: the cadre, or the group's Party secretary. */
  subjectUserId: string;
  /** The organization department (组织部) that approves, and whose staff record the use of the result. */
  departmentUnitId: string;
  /** The inspection office a linked rectification goes through. */
  inspectionOfficeUnitId: string;
  plan: ExaminationPlan;
  rules: ExaminationRules;
  assignees: ResolvedAssignees;
  /** Its start and plan-approval task, projected by its batch before it started (kernel/fanout.ts `open`). */
  opened?: PreOpened;
}

/** Staff commands of the department on the examination. */
export type ExaminationCommand = { action: 'waiveStrand'; strand: EvidenceStrand; reason: string };
export type ExaminationCommandInput = ExaminationCommand & { actorId: string; actorRoles: Role[]; actorUnitId: string };

export interface FrozenPlan {
  version: number;
  hash: string;
  frozenAt: string;
  plan: ExaminationPlan;
}

export interface LinkedRectification {
  workflowId: string | null;
  /** Why it could not be started (its refusal code), if it could not. */
  failure: string | null;
}

export interface ExaminationResult {
  examinationId: string;
  subject: ExaminationSubject;
  grade: string;
  planHash: string;
  findings: number;
  use: UseOfResult;
  rectification: LinkedRectification | null;
  /** The political-quality file entry written (its id is the workflow id). */
  fileEntryId: string;
  closedAt: string;
  /** Reverse-inspection (反向考察) findings per dimension, for a batch's summary; absent from results recorded before batches. */
  reverseFindings?: Partial<Record<PoliticalDimension, number>>;
  /** No strand and no acknowledgement went past its deadline; absent from results recorded before batches. */
  onTime?: boolean;
}

export interface ExaminationState {
  type: typeof POLITICAL_EXAMINATION;
  workflowId: string;
  examinationId: string;
  title: string;
  initiatorId: string;
  subject: ExaminationSubject;
  subjectUserId: string;
  status: 'open' | 'closed';
  stage: ExaminationStage;
  round: number;
  plan: ExaminationPlan;
  frozen: FrozenPlan[];
  strands: StrandView[];
  findings: Finding[];
  analysis: (Analysis & { by: string; at: string }) | null;
  feedback: { deadlines: Deadlines | null; overdue: boolean; escalations: EscalationStep[]; acknowledgedAt: string | null; statement: string | null };
  use: (UseOfResult & { by: string; at: string }) | null;
  rectification: LinkedRectification | null;
  result: ExaminationResult | null;
  actions: ActionRecord[];
  currentTask: TaskView | null;
  openTasks: TaskView[];
}

export type ExaminationAck = ActResult & { seq: number };
/** The department's commands on an examination (waiving a strand). */
export const examinationUpdate = defineUpdate<ExaminationAck, [ExaminationCommandInput]>('examination');

export const politicalExaminationWorkflowId = (examinationId: string): string => `political-${examinationId}`;
/** The linked rectification carries the examination's id in its own. */
export const linkedRectificationFeedbackId = (examinationId: string): string => `PE-${examinationId}`;

/** The assignee rule of the examination group: its members come from the plan, not from master data. */
export const EXAMINATION_GROUP: AssigneeRule = { kind: 'user', userId: '@examinationGroup' };

// --- The full-coverage batch (全覆盖): one child examination per subject, through the kernel's fan-out.

export const POLITICAL_EXAMINATION_BATCH = 'politicalExaminationBatch' as const;
export const BATCH_STATUSES = ['open', 'closed'] as const;

/**
 * One subject of a batch, as small as it can be: the batch's continue-as-new input carries thousands.
 * A group subject has no personId. `name` and `userId` (who acknowledges the feedback: the group's head,
 * or the cadre) are dropped once the subject's examination has started, when the batch continues as new.
 */
export interface BatchSubject {
  unitId: string;
  personId?: string;
  name?: string;
  userId?: string;
}

/**
 * The batch's running aggregate of its children's results, folded in as each reports, so it never keeps
 * thousands of results. perUnit holds [examined, onTime, failed] per unit.
 */
export interface BatchTally {
  grades: Record<string, number>;
  reverse: Partial<Record<PoliticalDimension, number>>;
  rectifications: string[];
  onTime: number;
  perUnit: Record<string, [number, number, number]>;
  /** By subject index: the failure's type. */
  failures: { index: number; failure: string }[];
}

export interface PoliticalExaminationBatchInput {
  batchId: string;
  title: string;
  initiatorId: string;
  departmentUnitId: string;
  inspectionOfficeUnitId: string;
  /** Given once: every child examines to the same plan and rules. */
  plan: ExaminationPlan;
  rules: ExaminationRules;
  /** The department's assignees every child shares (approver, head, staff), resolved at the start. */
  assignees: ResolvedAssignees;
  subjects: BatchSubject[];
  /** From the previous run, when continued as new. */
  /** From the previous run, when continued as new, with the tally of the children that have reported. */
  progress?: FanOutProgress<BatchTally>;
}

export interface BatchUnitSummary {
  unitId: string;
  subjects: number;
  examined: number;
  failed: number;
  onTime: number;
  /** onTime / examined, to 4 decimals; null while nothing was examined. */
  onTimeRate: number | null;
}

export interface BatchSummary {
  batchId: string;
  subjects: number;
  examined: number;
  failed: number;
  /** Per grade of the rule set, best first, every grade listed (0 included). */
  grades: Record<string, number>;
  /** Reverse-inspection findings per dimension, every dimension listed. */
  reverseFindings: Record<PoliticalDimension, number>;
  /** The linked rectifications the examinations started. */
  rectifications: { count: number; workflowIds: string[] };
  onTime: number;
  onTimeRate: number | null;
  perUnit: BatchUnitSummary[];
  failures: { workflowId: string; unitId: string; failure: string }[];
  closedAt: string;
}

export interface BatchState {
  type: typeof POLITICAL_EXAMINATION_BATCH;
  workflowId: string;
  batchId: string;
  title: string;
  status: 'open' | 'closed';
  stage: 'examining' | 'closed';
  progress: { total: number; started: number; done: number; failed: number };
  /** The first failures (a query answer has a size limit); GET /procedures/:id/batch has stage counts from PostgreSQL. */
  failures: { workflowId: string; failure: string }[];
  summary: BatchSummary | null;
}

export const politicalExaminationBatchWorkflowId = (batchId: string): string => `political-batch-${batchId}`;
/** A child's examination id: the batch's id and the subject's (unit id for a group, personnel number for a cadre). */
export const batchExaminationId = (batchId: string, s: Pick<BatchSubject, 'unitId' | 'personId'>): string => `${batchId}-${s.personId ?? s.unitId}`;
