/** Messages and payloads of rectification (巡视整改销号). Deterministic: bundled. */
import type { Deadlines, EscalationStep } from '../kernel/deadline';
import type { FanOutProgress } from '../kernel/fanout';
import type { PreOpened } from '../kernel/procedure';
import type { RectificationTally } from './rules';
import type { ActionRecord, ResolvedAssignees, TaskView } from '../kernel/messages';

export const RECTIFICATION = 'rectification' as const;
export const RECTIFICATION_ITEM = 'rectificationItem' as const;

export const RectificationRefusal = {
  /** 销号 needs 建章立制 or a recorded reason why none is needed. */
  institutionalRuleRequired: 'institutional_rule_required',
} as const;

/** Difficulty grades carry different default time limits (rules.ts). */
export const DIFFICULTIES = ['immediate', 'normal', 'hard'] as const;
export type Difficulty = (typeof DIFFICULTIES)[number];

export interface Assignment {
  unitId: string;
  /** Calendar date YYYY-MM-DD (China time) by which the unit's item must be signed off. */
  dueDate: string;
}

/** 责任清单 kinds: 牵头 (lead), 责任 (responsible), 配合 (cooperating). */
export const RESPONSIBILITY_KINDS = ['lead', 'responsible', 'cooperating'] as const;
export type ResponsibilityKind = (typeof RESPONSIBILITY_KINDS)[number];

/** 任务清单: one task of a problem. */
export interface RectificationTask {
  no: string;
  measure: string;
  dueDate?: string;
}

/** 责任清单: a unit (and its leader and person in charge) answering for a task. */
export interface Responsibility {
  taskNo: string;
  unitId: string;
  kind: ResponsibilityKind;
  leader?: string;
  person?: string;
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
  /** 任务清单 (三张清单); absent in feedbacks started before it. */
  tasks?: RectificationTask[];
  /** 责任清单: every task has at least one (rules.ts listsProblem). */
  responsibilities?: Responsibility[];
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
  /** The instants of each due date's deadline, from the working-day calendar at the start (one entry per date, not per unit). */
  deadlines: Record<string, Deadlines>;
  assignees: ResolvedAssignees;
  /** 整改报告 per unit (issue 11): started by the fan-out after the items. */
  report?: ReportPlan;
  /** Carried over when the feedback continues as new. */
  progress?: FanOutProgress<RectificationTally>;
}

/** Who takes a unit's report (rules.ts reportAssignee): its Party secretary, or its head without one. */
export type ReportAssignee = { userId: string; as: 'partySecretary' | 'unitHead' };

/** The feedback's 整改报告 tasks, one per unit; absent in feedbacks started without them. */
export interface ReportPlan {
  /** YYYY-MM-DD, 2 months after the feedback by default (rules.ts reportDueDate). */
  dueDate: string;
  /**
   * Absent while the calendar does not cover the due date's year: the start is not refused, each report waits
   * for the year to be loaded (report.workflow.ts), asking again every `calendarRetryMs`.
   */
  deadlines?: Deadlines;
  calendarRetryMs?: number;
  /** Per unit id. */
  assignees: Record<string, ReportAssignee>;
}

export interface RectificationReportInput {
  kind: 'report';
  feedbackId: string;
  feedbackTitle: string;
  initiatorId: string;
  unitId: string;
  dueDate: string;
  /** Absent until the calendar covers the due date's year (see ReportPlan). */
  deadlines?: Deadlines;
  calendarRetryMs?: number;
  assignee: ReportAssignee;
}

/** What the secretary submits: the report document, and a short account. */
export interface ReportData {
  documentRef: string;
  summary?: string;
}

export interface ReportResult {
  kind: 'report';
  workflowId: string;
  unitId: string;
  status: 'submitted' | 'withdrawn';
  dueAt: string;
  closedAt: string;
  onTime: boolean;
  by: ReportAssignee['as'];
}

/** The reports' part of the summary. */
export interface ReportSummary {
  units: number;
  submitted: number;
  onTime: number;
  withdrawn: number;
  /** Reports whose procedure failed (not counted in the feedback's failed items). */
  failed: number;
  /** onTime / submitted-or-due reports, as onTimeRate. */
  onTimeRate: number;
}

export interface RectificationItemInput {
  feedbackId: string;
  feedbackTitle: string;
  inspectionOfficeUnitId: string;
  initiatorId: string;
  problem: Omit<Problem, 'assignments'>;
  unitId: string;
  dueDate: string;
  deadlines: Deadlines;
  assignees: ResolvedAssignees;
  /** Its start and first task, projected by the feedback before it started (kernel/fanout.ts `open`). */
  opened?: PreOpened;
}

/**
 * Steps of one unit's item, in order: the unit submits measures and evidence, the inspection
 * office reviews them, then the sign-off chain unit head → lead department → inspection office.
 */
export const ITEM_STEPS = ['submit', 'review', 'unitHead', 'leadDepartment', 'inspectionOffice'] as const;
export type ItemStep = (typeof ITEM_STEPS)[number];

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

export const ITEM_STATUSES = ['open', 'signedOff', 'withdrawn'] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];
export const FEEDBACK_STATUSES = ['open', 'closed'] as const;

export interface ItemState {
  type: typeof RECTIFICATION_ITEM;
  feedbackId: string;
  problem: Omit<Problem, 'assignments'>;
  unitId: string;
  dueDate: string;
  deadlines: Deadlines;
  status: string;
  stage: string;
  round: number;
  reminded: boolean;
  overdue: boolean;
  /** Rungs of the overdue ladder reached so far (督办通知, 预警, 问责). */
  escalations: EscalationStep[];
  submission: SubmissionData | null;
  institutionalRule: InstitutionalRule | null;
  noRuleReason: string | null;
  actions: ActionRecord[];
  signedOffAt: string | null;
  /** The first open task; several are open at once in a step signed by all (会签). */
  currentTask: TaskView | null;
  openTasks: TaskView[];
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
  /**
   * Signed off: the unit's last submission came by the deadline (its part), apart from `onTime`, which is the
   * sign-off's (the reviewers' part too). Absent in results from before it existed.
   */
  submittedOnTime?: boolean;
  /** Withdrawn after its deadline (by a supervisor): it was due, and it was not done on time. */
  withdrawnLate?: boolean;
  rounds: number;
}

export interface UnitSummary {
  unitId: string;
  items: number;
  signedOff: number;
  /** Signed off by the deadline, reviewers included. */
  onTime: number;
  /** Signed off, with the unit's own submission by the deadline: the unit's part. */
  submittedOnTime: number;
}

/** One problem's items across its units (同题共答): how the problem as a whole is being rectified. */
export interface ProblemSummary {
  problemNo: string;
  items: number;
  signedOff: number;
  onTime: number;
  submittedOnTime: number;
  withdrawnLate: number;
  /** onTime / the problem's items that were due, as the feedback's onTimeRate. */
  onTimeRate: number;
  /** 任务清单 and 责任清单, when the problem has them. */
  tasks?: RectificationTask[];
  responsibilities?: Responsibility[];
}

export interface RectificationSummary {
  feedbackId: string;
  items: number;
  signedOff: number;
  withdrawn: number;
  /** Of the withdrawn, those withdrawn after their deadline: due, and counted as not on time. */
  withdrawnLate: number;
  /** Items whose procedure failed (recorded against the item; the others ran on). */
  failed: number;
  /** Signed off by the deadline: the whole chain, reviewers included. */
  onTime: number;
  /** Signed off, and the unit's submission came by the deadline: the unit's part, whatever the reviewers took. */
  submittedOnTime: number;
  /** Signed off after the deadline. */
  late: number;
  /** onTime / every item that was due (signed off, or withdrawn late), rounded to 4 decimals; 1 when none was. */
  onTimeRate: number;
  perUnit: UnitSummary[];
  /** Per problem, in problem-number order. Absent when the feedback ran from before it (its tally had none). */
  perProblem?: ProblemSummary[];
  /** The units' 整改报告, when the feedback has them. */
  reports?: ReportSummary;
  closedAt: string;
}

export interface FeedbackItemView {
  workflowId: string;
  problemNo: string;
  unitId: string;
  dueDate: string;
  result: ItemResult | null;
  failure: string | null;
}

export const rectificationWorkflowId = (feedbackId: string): string => `rectification-${feedbackId}`;
export const rectificationItemWorkflowId = (feedbackId: string, problemNo: string, unitId: string): string =>
  `rectification-${feedbackId}-p${problemNo}-${unitId}`;
export const rectificationReportWorkflowId = (feedbackId: string, unitId: string): string => `${rectificationWorkflowId(feedbackId)}-report-${unitId}`;
/** What every report of a feedback's workflow id starts with: its children that are not items. */
export const reportIdPrefix = (feedbackWorkflowId: string): string => `${feedbackWorkflowId}-report-`;
